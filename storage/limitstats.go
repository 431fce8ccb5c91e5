package storage

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"
)

// Bounds of the rate-limit violation counts (issue 13).
const (
	// MaxLimitKeysPerHour is how many (class, principal) pairs one hour
	// keeps: the most refused; the rest of the hour's refusals are
	// summed under one "other" entry per class.
	MaxLimitKeysPerHour = 1000
	// LimitStatsRetention is how long hours are kept.
	LimitStatsRetention = 7 * 24 * time.Hour
	// OtherPrincipals names the entry the dropped pairs are summed into.
	OtherPrincipals = "(others)"
)

// LimitCount is how many requests of one principal (a user, token or
// client address) a class of rate limit refused.
type LimitCount struct {
	Class string `json:"class"`
	// Kind is user, token or anonymous.
	Kind  string `json:"kind"`
	Key   string `json:"key"`
	Count uint64 `json:"count"`
}

func (c LimitCount) id() [3]string { return [3]string{c.Class, c.Kind, c.Key} }

// AddLimitCounts adds counts to the hour holding at, keeps that hour's
// MaxLimitKeysPerHour largest pairs, and drops hours older than
// LimitStatsRetention.
func (s *State) AddLimitCounts(at time.Time, counts []LimitCount) error {
	if len(counts) == 0 {
		return nil
	}
	hour := at.Truncate(time.Hour)
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketLimitStats)
		key := hourKey(hour)
		var have []LimitCount
		if v := b.Get(key); v != nil {
			if err := json.Unmarshal(v, &have); err != nil {
				return fmt.Errorf("storage: limit stats %s: %w", hour.UTC().Format(time.RFC3339), err)
			}
		}
		v, err := json.Marshal(mergeLimitCounts(have, counts))
		if err != nil {
			return err
		}
		if err := b.Put(key, v); err != nil {
			return err
		}
		cutoff := hourKey(hour.Add(-LimitStatsRetention))
		c := b.Cursor()
		for k, _ := c.First(); k != nil && string(k) < string(cutoff); k, _ = c.First() {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// mergeLimitCounts adds b to a and bounds the result.
func mergeLimitCounts(a, b []LimitCount) []LimitCount {
	sum := map[[3]string]uint64{}
	for _, c := range slices.Concat(a, b) {
		sum[c.id()] += c.Count
	}
	out := make([]LimitCount, 0, len(sum))
	for id, n := range sum {
		out = append(out, LimitCount{Class: id[0], Kind: id[1], Key: id[2], Count: n})
	}
	sortLimitCounts(out)
	if len(out) <= MaxLimitKeysPerHour {
		return out
	}
	kept, others := out[:MaxLimitKeysPerHour-1], map[string]uint64{}
	for _, c := range out[MaxLimitKeysPerHour-1:] {
		others[c.Class] += c.Count
	}
	kept = slices.Clip(kept)
	for class, n := range others {
		kept = append(kept, LimitCount{Class: class, Kind: "other", Key: OtherPrincipals, Count: n})
	}
	sortLimitCounts(kept)
	return kept
}

func sortLimitCounts(cs []LimitCount) {
	slices.SortFunc(cs, func(x, y LimitCount) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		a, b := x.id(), y.id()
		return slices.Compare(a[:], b[:])
	})
}

// LimitCounts sums the hours from since on, largest first, at most n
// entries (all when n <= 0).
func (s *State) LimitCounts(since time.Time, n int) ([]LimitCount, error) {
	var all []LimitCount
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketLimitStats).Cursor()
		for k, v := c.Seek(hourKey(since.Truncate(time.Hour))); k != nil; k, v = c.Next() {
			var hour []LimitCount
			if err := json.Unmarshal(v, &hour); err != nil {
				return fmt.Errorf("storage: limit stats: %w", err)
			}
			all = append(all, hour...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sum := map[[3]string]uint64{}
	for _, c := range all {
		sum[c.id()] += c.Count
	}
	out := make([]LimitCount, 0, len(sum))
	for id, n := range sum {
		out = append(out, LimitCount{Class: id[0], Kind: id[1], Key: id[2], Count: n})
	}
	sortLimitCounts(out)
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out, nil
}

func hourKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(max(t.Unix(), 0)))
}
