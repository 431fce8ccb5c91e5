package storage

import (
	"io"

	"go.etcd.io/bbolt"
)

// Snapshot writes a consistent copy of the whole state database to the
// writer write returns, in one read transaction (bbolt's Tx.WriteTo):
// writers go on meanwhile and the copy is the database as of the
// transaction's start. size is the copy's length, known before a byte is
// written (a tar header needs it). It is for ward's backup of itself
// (issue 14).
func (s *State) Snapshot(write func(size int64) (io.Writer, error)) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bbolt.Tx) error {
		w, err := write(tx.Size())
		if err != nil {
			return err
		}
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}
