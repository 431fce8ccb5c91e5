package storage

import (
	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// AuditHead is the newest audit record's position, the chain's start when
// there is none (issue 14: compliance evidence records it).
func (s *State) AuditHead() (audit.Anchor, error) {
	var a audit.Anchor
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		a, err = chainPoint(tx.Bucket(bucketAuditChain), keyAuditHead)
		return err
	})
	return a, err
}
