package storage

import "github.com/ward-monitoring/ward/audit"

// PutAttestationAudited appends rec and stores the attestation of manual
// control id that build makes from rec's sequence number, in one
// transaction (issue 14: the attestation names its audit record).
func (s *State) PutAttestationAudited(id string, rec audit.Record, build func(seq uint64) ([]byte, error)) error {
	return s.Update(func(tx *Tx) error {
		if err := tx.AppendAudit(rec); err != nil {
			return err
		}
		head, err := chainPoint(tx.bolt.Bucket(bucketAuditChain), keyAuditHead)
		if err != nil {
			return err
		}
		js, err := build(head.Seq)
		if err != nil {
			return err
		}
		return tx.bolt.Bucket(bucketAttestations).Put([]byte(id), js)
	})
}
