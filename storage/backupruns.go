package storage

import (
	"bytes"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Backup runs (issue 12) are kept as the backups package marshals them,
// keyed by run id; ids sort by start time, so a cursor walks them in
// time order. storage knows nothing of their content.

// MaxBackupRun bounds one stored run (its log is bounded well below).
const MaxBackupRun = 256 << 10

// PutBackupRun stores (or replaces) the run with id.
func (s *State) PutBackupRun(id string, data []byte) error {
	if id == "" {
		return fmt.Errorf("storage: backup run without id")
	}
	if len(data) > MaxBackupRun {
		return fmt.Errorf("storage: backup run %s is %d bytes, over %d", id, len(data), MaxBackupRun)
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketBackupRuns).Put([]byte(id), data)
	})
}

// BackupRun returns the run with id; ok is false when there is none.
func (s *State) BackupRun(id string) (data []byte, ok bool, err error) {
	err = s.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketBackupRuns).Get([]byte(id)); v != nil {
			data, ok = bytes.Clone(v), true
		}
		return nil
	})
	return data, ok, err
}

// BackupRuns calls fn with each run whose id is below before ("" for
// all), newest first, until fn returns false. data is only valid during
// the call.
func (s *State) BackupRuns(before string, fn func(id string, data []byte) bool) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketBackupRuns).Cursor()
		var k, v []byte
		if before == "" {
			k, v = c.Last()
		} else {
			k, v = c.Seek([]byte(before))
			if k == nil {
				k, v = c.Last()
			}
			for k != nil && string(k) >= before {
				k, v = c.Prev()
			}
		}
		for ; k != nil; k, v = c.Prev() {
			if !fn(string(k), v) {
				return nil
			}
		}
		return nil
	})
}

// DeleteBackupRunsBefore removes runs whose id sorts before id (retention
// of run history), returning how many went.
func (s *State) DeleteBackupRunsBefore(id string) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketBackupRuns)
		// Collect first: deleting under a moving cursor skips keys.
		var old [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && string(k) < id; k, _ = c.Next() {
			old = append(old, bytes.Clone(k))
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	return n, err
}

// DeleteBackupRuns removes the runs with the given ids (retention of run
// history per job and kind), returning how many were there.
func (s *State) DeleteBackupRuns(ids []string) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketBackupRuns)
		for _, id := range ids {
			if b.Get([]byte(id)) == nil {
				continue
			}
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// backupFirstPrefix keys, in bucketMeta, the oldest backup stop time
// ever seen per stanza (retention buckets before it were never missed:
// the stanza did not exist yet).
const backupFirstPrefix = "backup_first_stop/"

// NoteBackupFirstStop records seen as stanza's oldest backup stop if it
// is older than the one stored (or none is), and returns the stored
// value afterwards; a zero seen only reads it.
func (s *State) NoteBackupFirstStop(stanza string, seen time.Time) (time.Time, error) {
	key := []byte(backupFirstPrefix + stanza)
	var out time.Time
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if v := b.Get(key); v != nil {
			if err := out.UnmarshalText(v); err != nil {
				out = time.Time{}
			}
		}
		if seen.IsZero() || (!out.IsZero() && !seen.Before(out)) {
			return nil
		}
		out = seen.UTC()
		v, err := out.MarshalText()
		if err != nil {
			return err
		}
		return b.Put(key, v)
	})
	return out, err
}
