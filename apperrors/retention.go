package apperrors

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/storage"
)

// RetentionEvery is how often retention and the size cap run (and once
// at start; the size cap also as soon as a batch goes over it); each
// transaction deletes at most retentionChunk samples or
// issues, so that ingest waits at most one chunk.
const (
	RetentionEvery = 5 * time.Minute
	retentionChunk = 1000
)

func (s *Service) runRetention(ctx context.Context) {
	t := time.NewTicker(RetentionEvery)
	defer t.Stop()
	for {
		if err := s.retain(ctx); err != nil {
			s.opts.Logger.Error("error tracking retention", "err", err)
		}
		for again := true; again; {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				again = false
			case <-s.overCap:
				if err := s.enforceCap(ctx); err != nil {
					s.opts.Logger.Error("error tracking size cap", "err", err)
				}
			}
		}
	}
}

// enforceCap deletes the oldest samples until their disk use fits
// max_size and their number its cap (settings.maxSamples).
func (s *Service) enforceCap(ctx context.Context) error {
	st := s.cfg.Load()
	for ctx.Err() == nil {
		n, err := s.evict(func(_ storage.AppSample, total, count int64) bool {
			return total > st.maxSize || count > st.maxSamples
		})
		if err != nil || n < retentionChunk {
			return err
		}
	}
	return nil
}

// retain deletes the samples older than the retention, then the oldest
// samples until the payloads fit the size cap, then the issues without
// an event for the retention with their counts, the hourly counts older
// than it and the releases not seen in it. Counts of kept issues stay
// exact: only samples go for the size cap.
func (s *Service) retain(ctx context.Context) error {
	st := s.cfg.Load()
	cutoff := s.opts.Now().Add(-st.retention)
	for ctx.Err() == nil {
		n, err := s.evict(func(a storage.AppSample, _, _ int64) bool { return a.Time.Before(cutoff) })
		if err != nil || n < retentionChunk {
			if err != nil {
				return err
			}
			break
		}
	}
	if err := s.enforceCap(ctx); err != nil {
		return err
	}
	for ctx.Err() == nil {
		n, err := s.dropIssues(cutoff)
		if err != nil || n < retentionChunk {
			if err != nil {
				return err
			}
			break
		}
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var stored int64
	err := s.opts.State.Update(func(tx *storage.Tx) error {
		if _, err := tx.DeleteAppErrorCountsBefore(cutoff); err != nil {
			return err
		}
		stored = tx.AppSampleBytes()
		_, err := tx.DeleteAppReleasesBefore(cutoff)
		return err
	})
	if err == nil {
		s.metrics.stored.Set(float64(stored))
	}
	return err
}

// evict deletes up to retentionChunk samples, oldest first, while drop
// says so (given the disk use and number of the samples still stored),
// and returns how many.
func (s *Service) evict(drop func(a storage.AppSample, total, count int64) bool) (int, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var files []string
	var stored int64
	err := s.opts.State.Update(func(tx *storage.Tx) error {
		files = files[:0]
		var gone []storage.AppSample
		total, count := tx.AppSampleBytes(), tx.AppSampleCount()
		err := tx.OldestAppSamples(func(a storage.AppSample) bool {
			if len(gone) == retentionChunk || !drop(a, total, count) {
				return false
			}
			gone = append(gone, a)
			total -= storage.AppSampleDiskBytes(a.Size)
			count--
			return true
		})
		if err != nil {
			return err
		}
		for _, a := range gone {
			if _, _, err := tx.DeleteAppSample(a.Event); err != nil {
				return err
			}
			files = append(files, a.File)
		}
		stored = tx.AppSampleBytes()
		return lessSamples(tx, gone)
	})
	if err != nil {
		return 0, err
	}
	s.metrics.stored.Set(float64(stored))
	return len(files), removePayloads(s.opts.Dir, files)
}

// lessSamples takes deleted samples off their issues' Samples.
func lessSamples(tx *storage.Tx, gone []storage.AppSample) error {
	per := map[string]int64{}
	for _, a := range gone {
		per[a.Issue]++
	}
	for id, n := range per {
		v := tx.AppIssue(id)
		if v == nil {
			continue
		}
		var is Issue
		if err := json.Unmarshal(v, &is); err != nil {
			return err
		}
		is.Samples = max(is.Samples-n, 0)
		nv, err := json.Marshal(is)
		if err != nil {
			return err
		}
		if err := tx.PutAppIssue(id, nv); err != nil {
			return err
		}
	}
	return nil
}

// dropIssues deletes up to retentionChunk issues last seen before
// cutoff, with their counts, users and samples.
func (s *Service) dropIssues(cutoff time.Time) (int, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var files []string
	n := 0
	err := s.opts.State.Update(func(tx *storage.Tx) error {
		files, n = files[:0], 0
		var old []string
		err := tx.AppIssues(func(id string, v []byte) error {
			var is Issue
			if len(old) < retentionChunk && (json.Unmarshal(v, &is) != nil || is.LastSeen.Before(cutoff)) {
				old = append(old, id)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range old {
			gone, err := tx.DeleteAppIssue(id)
			if err != nil {
				return err
			}
			for _, a := range gone {
				files = append(files, a.File)
			}
		}
		n = len(old)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, removePayloads(s.opts.Dir, files)
}

// sweepOrphans removes payload files that no index entry names: written
// just before a crash whose transaction never committed. It runs once at
// start, before the worker.
func (s *Service) sweepOrphans() {
	var files []string
	_ = filepath.WalkDir(s.opts.Dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json.gz") {
			files = append(files, path)
		}
		return nil
	})
	var orphans []string
	_ = s.opts.State.View(func(tx *storage.Tx) error {
		for _, f := range files {
			if !tx.AppSampleExists(strings.TrimSuffix(filepath.Base(f), ".json.gz")) {
				rel, err := filepath.Rel(s.opts.Dir, f)
				if err == nil {
					orphans = append(orphans, rel)
				}
			}
		}
		return nil
	})
	if len(orphans) > 0 {
		s.opts.Logger.Warn("removing error event payloads without an index entry", "files", len(orphans))
		_ = removePayloads(s.opts.Dir, orphans)
	}
}
