package storage

import "go.etcd.io/bbolt"

// AuditEpochKeys returns the audit MAC key of every epoch of the chain
// (auditepochs.go) that sk opens, oldest first, the open epoch's, the
// one records are sealed under now, last. Evidence packs are signed under
// a key derived from the open epoch's, and verified under those of all,
// so a pack made before a key rotation still verifies after it. It reads
// only; the keys are secrets: never store or log them.
func (s *State) AuditEpochKeys(sk SecretKey) ([][]byte, error) {
	var out [][]byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		epochs, err := auditEpochs(tx, sk, nil)
		if err != nil {
			return err
		}
		for _, e := range epochs {
			if e.Key != nil {
				out = append(out, append([]byte(nil), e.Key...))
			}
		}
		return nil
	})
	return out, err
}
