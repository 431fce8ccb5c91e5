package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/events"
)

var _ events.Store = (*State)(nil)

// eventKeyLen is the length of an event's key: its time in Unix
// nanoseconds and the bucket's sequence number, both big-endian, so
// keys sort by time and events of the same nanosecond by arrival.
const eventKeyLen = 16

func eventKey(t time.Time, seq uint64) []byte {
	k := make([]byte, eventKeyLen)
	binary.BigEndian.PutUint64(k, uint64(max(t.UnixNano(), 0)))
	binary.BigEndian.PutUint64(k[8:], seq)
	return k
}

// eventKeyAt is the first key at or after t.
func eventKeyAt(t time.Time) []byte { return eventKey(t, 0) }

// AppendEvents stores evs and drops the oldest events beyond keep.
func (s *State) AppendEvents(evs []events.Event, keep int) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b, meta := tx.Bucket(bucketEvents), tx.Bucket(bucketMeta)
		n := eventCount(meta)
		for _, e := range evs {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			e.ID = ""
			v, err := json.Marshal(e)
			if err != nil {
				return fmt.Errorf("event: %w", err)
			}
			if err := b.Put(eventKey(e.Time, seq), v); err != nil {
				return err
			}
			n++
		}
		c := b.Cursor()
		for ; n > uint64(max(keep, 0)); n-- {
			if k, _ := c.First(); k == nil {
				n = 0
				break
			}
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return putEventCount(meta, n)
	})
}

// Events returns the events q selects, newest first, at most q.Limit
// (0: all).
func (s *State) Events(q events.Query) ([]events.Event, error) {
	var out []events.Event
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		var k, v []byte
		switch {
		case q.Before != "":
			before, err := hex.DecodeString(q.Before)
			if err != nil || len(before) != eventKeyLen {
				return fmt.Errorf("%w: event id %q", ErrNotFound, q.Before)
			}
			k, v = c.Seek(before)
			if k == nil {
				k, v = c.Last()
			}
			for k != nil && string(k) >= string(before) {
				k, v = c.Prev()
			}
		case !q.To.IsZero():
			k, _ = c.Seek(eventKeyAt(q.To))
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		default:
			k, v = c.Last()
		}
		from := eventKeyAt(q.From)
		needle := textNeedle(q.Text)
		var lower []byte
		for ; k != nil; k, v = c.Prev() {
			if !q.From.IsZero() && string(k) < string(from) {
				break
			}
			if needle != nil {
				// Most events do not match a search: skip decoding
				// those whose encoding cannot hold the text.
				lower = appendLower(lower[:0], v)
				if !bytes.Contains(lower, needle) {
					continue
				}
			}
			var e events.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("event %x: %w", k, err)
			}
			if !q.Match(e) {
				continue
			}
			e.ID = hex.EncodeToString(k)
			out = append(out, e)
			if q.Limit > 0 && len(out) == q.Limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// PruneEvents removes the events older than before.
func (s *State) PruneEvents(before time.Time) (int, error) {
	removed := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, meta := tx.Bucket(bucketEvents), tx.Bucket(bucketMeta)
		end := eventKeyAt(before)
		c := b.Cursor()
		// Delete from the front: Delete moves the cursor to the next
		// key, so First each time never skips one.
		for k, _ := c.First(); k != nil && string(k) < string(end); k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
			removed++
		}
		n := eventCount(meta)
		n -= min(n, uint64(removed))
		return putEventCount(meta, n)
	})
	return removed, err
}

// textNeedle is the search text as it must appear, lower-cased, in the
// JSON encoding of a matching event; nil when JSON might escape it
// (quotes, backslashes, <, >, &, control and line-separator characters),
// and then every event is decoded.
func textNeedle(text string) []byte {
	if text == "" || strings.ContainsAny(text, "\"\\<>&\u2028\u2029") {
		return nil
	}
	for _, r := range text {
		if r < 0x20 || r == 0x7f {
			return nil
		}
	}
	return []byte(strings.ToLower(text))
}

// appendLower appends b lower-cased to dst, as strings.ToLower would.
func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return append(dst[:0], bytes.ToLower(b)...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func eventCount(meta *bbolt.Bucket) uint64 {
	if v := meta.Get(keyEventCount); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func putEventCount(meta *bbolt.Bucket, n uint64) error {
	v := make([]byte, 8)
	binary.BigEndian.PutUint64(v, n)
	return meta.Put(keyEventCount, v)
}
