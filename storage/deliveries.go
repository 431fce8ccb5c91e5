package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Delivery is one attempt to send a notification through an integration.
type Delivery struct {
	Time        time.Time     `json:"time"`
	Receiver    string        `json:"receiver"`
	Integration string        `json:"integration"`
	GroupKey    string        `json:"groupKey"`
	Alerts      int           `json:"alerts"`
	Resolved    bool          `json:"resolved"`
	Status      string        `json:"status"` // "success", "retry" or "failed"
	Error       string        `json:"error,omitempty"`
	Duration    time.Duration `json:"durationNanos"`
}

// AddDelivery records an attempt and drops the oldest beyond keep.
func (s *State) AddDelivery(d Delivery, keep int) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDeliveries)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		v, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if err := b.Put(seqKey(seq), v); err != nil {
			return err
		}
		// Collect first: deleting under a moving cursor skips keys.
		var old [][]byte
		excess := b.Stats().KeyN - keep
		c := b.Cursor()
		for k, _ := c.First(); k != nil && len(old) < excess; k, _ = c.Next() {
			old = append(old, append([]byte(nil), k...))
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// Deliveries returns up to limit attempts, newest first, optionally only
// those of one receiver.
func (s *State) Deliveries(receiver string, limit int) ([]Delivery, error) {
	var out []Delivery
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketDeliveries).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			var d Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("delivery %x: %w", k, err)
			}
			if receiver == "" || d.Receiver == receiver {
				out = append(out, d)
			}
		}
		return nil
	})
	return out, err
}

func seqKey(n uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, n)
	return k
}
