package storage

import (
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// AuditUpgrade says what UpgradeAudit did.
type AuditUpgrade struct {
	// Upgraded is how many v2 records were verified and re-sealed in
	// layout v3; OldHead is the v2 head they ended at (an audit.migrate
	// record with from=v2 names it, so an anchor taken before still
	// matches).
	Upgraded int
	OldHead  audit.Anchor
	// Broken is the verification of a chain with v2 records that did not
	// verify: it was left as it was (re-sealing would launder the
	// tampering), and its records cannot be erased.
	Broken *audit.Result
}

// UpgradeAudit moves a chain still holding layout v2 records (sealed
// over raw personal values) to layout v3 (sealed over keyed digests of
// them, which erasure needs): once, at start, right after SetAuditKey.
// In one transaction it verifies the whole chain; if it verifies and
// holds v2 records, it re-seals every record from the first v2 one to
// the head in v3 and appends an audit.migrate record (from=v2) naming
// the old head and the start of the chain. A chain in v3 is left alone.
//
// Why migrate rather than keep v2 records verifiable as v2: a v2 MAC
// covers the name itself, so erasing a name from a v2 record breaks the
// chain at that record whatever else is done; re-sealing once, while
// the chain still verifies, is the same step the v1 upgrade took.
func (s *State) UpgradeAudit(now time.Time) (AuditUpgrade, error) {
	var up AuditUpgrade
	key := s.seal.auditKey()
	if key == nil {
		return up, ErrNoAuditKey
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		up = AuditUpgrade{}
		epochs := s.seal.keys()
		res, err := verifyChain(tx, epochs, now, nil)
		if err != nil || res.V2 == 0 {
			return err
		}
		if len(epochs) != 1 {
			// v2 records predate key epochs: a chain that has both was
			// not written by ward.
			return fmt.Errorf("v2 records in a chain with %d key epochs", len(epochs))
		}
		if !res.Valid {
			up.Broken = &res
			return nil
		}
		from, err := firstV2(tx.Bucket(bucketAudit), key)
		if err != nil {
			return err
		}
		start, err := chainPoint(tx.Bucket(bucketAuditChain), keyAuditAnchor)
		if err != nil {
			return err
		}
		n, err := reseal(tx, from, res.Head.Seq, key)
		if err != nil {
			return err
		}
		up.Upgraded, up.OldHead = res.V2, res.Head
		return appendWith(tx, audit.Record{
			Time: now, Actor: "ward", Action: audit.ActionAuditMigrate, Outcome: audit.Success, Target: "audit chain",
			Details: map[string]string{
				audit.DetailFrom:       "v2",
				audit.DetailRecords:    strconv.Itoa(n),
				audit.DetailOldHeadSeq: strconv.FormatUint(res.Head.Seq, 10),
				audit.DetailOldHead:    hex.EncodeToString(res.Head.Hash),
				audit.DetailAnchor:     strconv.FormatUint(start.Seq, 10),
				audit.DetailAnchorHash: hex.EncodeToString(start.Hash),
			},
		}, key)
	})
	if err != nil {
		return AuditUpgrade{}, fmt.Errorf("storage: upgrade audit chain to v3: %w", err)
	}
	return up, nil
}

// firstV2 returns the sequence number of the oldest record sealed in v2.
func firstV2(b *bbolt.Bucket, key []byte) (uint64, error) {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		r, err := audit.Decode(v)
		if err != nil {
			return 0, fmt.Errorf("audit record %d: %w", seqOf(k), err)
		}
		if !hmac.Equal(r.ComputeMAC(key, r.Prev), r.Hash) {
			return r.Seq, nil
		}
	}
	return 0, fmt.Errorf("no v2 record")
}
