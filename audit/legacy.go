package audit

import (
	"crypto/sha256"
)

// Chains written before keyed sealing (ward-audit-v1) hashed each record
// with plain SHA-256, which anyone holding the database file could
// recompute after editing it. They are re-sealed under the key once, when
// ward first gets it (storage.State.SetAuditKey), provided they verify:
// a broken v1 chain is kept as it is, since re-sealing it would launder
// the tampering. This file holds what that check needs; nothing seals v1
// records any more.

// ActionAuditMigrate is the record appended after a v1 chain was re-sealed
// under the key. Its details say how many records were re-sealed
// (DetailRecords) and name the v1 head before the upgrade
// (DetailOldHeadSeq, DetailOldHead), so an anchor taken from the v1
// chain can still be matched; like a prune record it names the chain's
// start (DetailAnchor, DetailAnchorHash).
const ActionAuditMigrate = "audit.migrate"

// Detail keys of audit.prune and audit.migrate records.
const (
	// DetailAnchor is the sequence number the remaining chain starts
	// after; DetailAnchorHash is that record's hash in hex.
	DetailAnchor     = "anchor"
	DetailAnchorHash = "anchor_hash"
	// DetailCount is how many records a prune removed.
	DetailCount = "count"
	// DetailRecords is how many v1 records a migration re-sealed.
	DetailRecords = "records"
	// DetailOldHeadSeq and DetailOldHead (hex) are the v1 head a
	// migration started from.
	DetailOldHeadSeq = "old_head_seq"
	DetailOldHead    = "old_head"
)

// legacyVersion prefixed v1 canonical encodings.
const legacyVersion = "ward-audit-v1\x00"

// LegacyHash returns the v1 hash of r: SHA-256(prev || v1 canonical(r)).
// It is used to verify chains written before keyed sealing and by tests
// that build such chains.
func (r Record) LegacyHash(prev []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(r.canonical(legacyVersion))
	return h.Sum(nil)
}
