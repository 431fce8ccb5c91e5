package storage

import (
	"bytes"
	"encoding/json"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// Buckets rewriteOthers leaves alone: the audit trail is erased record
// by record (eraseAudit), and the erasures bucket holds pseudonyms only.
var erasureSkip = [][]byte{bucketAudit, bucketAuditChain, bucketErasures}

// rewriteOthers replaces whole-word occurrences of names by their
// pseudonyms in every other bucket, in keys and values: events that
// quote a name, a backup run's "by", a rate-limit count's user key.
// JSON values are rewritten string by string so they stay valid; other
// values as text (sealed secrets are ciphertext and never hold a name).
// It returns how many keys or values changed.
func (s *State) rewriteOthers(tx *bbolt.Tx, names []string) (int, error) {
	key := s.seal.auditKey()
	n := 0
	err := tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
		for _, skip := range erasureSkip {
			if bytes.Equal(name, skip) {
				return nil
			}
		}
		c, err := rewriteBucket(b, key, names)
		n += c
		return err
	})
	return n, err
}

func rewriteBucket(b *bbolt.Bucket, key []byte, names []string) (int, error) {
	type put struct{ oldKey, k, v []byte }
	var puts []put
	var nested [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			nested = append(nested, append([]byte(nil), k...))
			return nil
		}
		if !containsAny(k, names) && !containsAny(v, names) {
			return nil
		}
		nk := []byte(audit.ReplaceNames(key, string(k), names...))
		nv := rewriteValue(key, v, names)
		if !bytes.Equal(nk, k) || !bytes.Equal(nv, v) {
			puts = append(puts, put{append([]byte(nil), k...), nk, nv})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, p := range puts {
		if !bytes.Equal(p.oldKey, p.k) {
			if err := b.Delete(p.oldKey); err != nil {
				return 0, err
			}
		}
		if err := b.Put(p.k, p.v); err != nil {
			return 0, err
		}
	}
	n := len(puts)
	for _, k := range nested {
		c, err := rewriteBucket(b.Bucket(k), key, names)
		n += c
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func rewriteValue(key, v []byte, names []string) []byte {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return []byte(audit.ReplaceNames(key, string(v), names...))
	}
	out, err := json.Marshal(rewriteJSON(key, doc, names))
	if err != nil {
		return []byte(audit.ReplaceNames(key, string(v), names...))
	}
	return out
}

func rewriteJSON(key []byte, doc any, names []string) any {
	switch d := doc.(type) {
	case string:
		return audit.ReplaceNames(key, d, names...)
	case []any:
		for i := range d {
			d[i] = rewriteJSON(key, d[i], names)
		}
		return d
	case map[string]any:
		out := make(map[string]any, len(d))
		for k, v := range d {
			out[audit.ReplaceNames(key, k, names...)] = rewriteJSON(key, v, names)
		}
		return out
	}
	return doc
}

// Free-page overwriting. bbolt never rewrites a page in place: an
// erasure writes new copies of the pages it changes and frees the old
// ones, which still hold the name until reused. overwriteFree fills the
// free pages with filler values in a scratch bucket (bbolt takes free
// pages before growing the file, and writes each page whole, zeroed past
// its data) and then drops the bucket, whose pages hold only filler.
// Compacting into a new file would do the same, but needs the database
// closed; this works while ward runs.

var bucketScrub = []byte("erasure_scrub")

// maxScrubRounds bounds the rounds: each round takes every page free at
// its start; pages a long reader still holds are freed in a later one.
const maxScrubRounds = 8

// overwriteFree returns how many free pages are left un-overwritten.
func (s *State) overwriteFree() (int, error) {
	size := s.db.Info().PageSize
	filler := bytes.Repeat([]byte{0}, size-256) // one value per leaf page
	left := 0
	for range maxScrubRounds {
		st := s.db.Stats()
		want := st.FreePageN + st.PendingPageN
		if want == 0 {
			break
		}
		if err := s.db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketScrub)
			if err != nil {
				return err
			}
			base := b.Stats().KeyN
			for i := range want {
				if err := b.Put(seqKey(uint64(base+i)), filler); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return 0, err
		}
		left = s.db.Stats().FreePageN
		if left == 0 {
			break
		}
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketScrub) == nil {
			return nil
		}
		return tx.DeleteBucket(bucketScrub)
	})
	return left, err
}
