package storage

import (
	"bytes"

	"go.etcd.io/bbolt"
)

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
