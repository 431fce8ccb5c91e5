package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"slices"
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
	// DetailRecords is how many v1 (or v2) records a migration re-sealed.
	DetailRecords = "records"
	// DetailOldHeadSeq and DetailOldHead (hex) are the v1 head a
	// migration started from.
	DetailOldHeadSeq = "old_head_seq"
	DetailOldHead    = "old_head"
	// DetailFrom is the layout a migration upgraded from: "v2" for the
	// upgrade to v3; absent in the v1 upgrade's records.
	DetailFrom = "from"
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

// v2Version prefixed v2 canonical encodings: keyed like v3, but over the
// raw personal values, so a v2 record cannot be erased without breaking
// its MAC. Chains in v2 are upgraded to v3 once, at start
// (storage.State.UpgradeAudit), when they verify; this is what the check
// needs.
const v2Version = "ward-audit-v2\x00"

// MACv2 returns the v2 MAC of r under key: HMAC-SHA-256 of prev and the
// v2 canonical form (raw values). Only verification of chains not yet
// upgraded uses it; nothing seals v2 records any more.
func (r Record) MACv2(key, prev []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(prev)
	m.Write(r.canonical(v2Version))
	return m.Sum(nil)
}

// canonical is the layout of v1 and v2: every field as text.
func (r Record) canonical(version string) []byte {
	var b bytes.Buffer
	b.WriteString(version)
	num := func(v uint64) {
		var buf [binary.MaxVarintLen64]byte
		b.Write(buf[:binary.PutUvarint(buf[:], v)])
	}
	str := func(s string) {
		num(uint64(len(s)))
		b.WriteString(s)
	}
	num(r.Seq)
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], uint64(r.Time.UnixNano()))
	b.Write(t[:])
	str(r.Actor)
	str(r.ActorIP)
	str(r.Action)
	str(r.Target)
	str(string(r.Outcome))
	keys := make([]string, 0, len(r.Details))
	for k := range r.Details {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	num(uint64(len(keys)))
	for _, k := range keys {
		str(k)
		str(r.Details[k])
	}
	return b.Bytes()
}
