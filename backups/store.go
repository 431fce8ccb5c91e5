package backups

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/ward-monitoring/ward/storage"
)

// Bounds of List.
const (
	defaultPageSize = 50
	maxPageSize     = 500
	// maxScan bounds how many stored runs one List reads to fill a page
	// of a narrow filter.
	maxScan = 20_000
)

// store keeps runs in the state database as JSON, keyed by id.
type store struct {
	st *storage.State
}

// newRunID returns an id that sorts by start time: 16 hex digits of the
// unix nanoseconds, a dash and 8 random hex digits.
func newRunID(t time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%016x-%s", uint64(t.UnixNano()), hex.EncodeToString(r[:]))
}

// validRunID reports whether id has newRunID's shape, so that a request
// cannot make a lookup of arbitrary keys.
func validRunID(id string) bool {
	if len(id) != 25 || id[16] != '-' {
		return false
	}
	if _, err := strconv.ParseUint(id[:16], 16, 64); err != nil {
		return false
	}
	_, err := hex.DecodeString(id[17:])
	return err == nil
}

// put stores r (a new run or its update).
func (s store) put(r Run) error {
	if len(r.Log) > MaxLogBytes {
		r.Log = r.Log[len(r.Log)-MaxLogBytes:]
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.st.PutBackupRun(r.ID, data)
}

// get returns the run with id, or ErrNotFound.
func (s store) get(id string) (Run, error) {
	if !validRunID(id) {
		return Run{}, ErrNotFound
	}
	data, ok, err := s.st.BackupRun(id)
	if err != nil {
		return Run{}, err
	}
	if !ok {
		return Run{}, ErrNotFound
	}
	var r Run
	if err := json.Unmarshal(data, &r); err != nil {
		return Run{}, fmt.Errorf("backups: run %s: %w", id, err)
	}
	return r, nil
}

// matches reports whether r passes f's field filters.
func (f Filter) matches(r Run) bool {
	return (f.Kind == "" || r.Kind == f.Kind) &&
		(f.Job == "" || r.Job == f.Job) &&
		(f.Stanza == "" || r.Stanza == f.Stanza) &&
		(f.State == "" || r.State == f.State)
}

// list returns a page of runs matching f, newest first.
func (s store) list(f Filter) (Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultPageSize
	}
	limit = min(limit, maxPageSize)
	var page Page
	scanned := 0
	var decodeErr error
	err := s.st.BackupRuns(f.Before, func(id string, data []byte) bool {
		scanned++
		var r Run
		if err := json.Unmarshal(data, &r); err != nil {
			decodeErr = fmt.Errorf("backups: run %s: %w", id, err)
			return false
		}
		if f.matches(r) {
			if len(page.Runs) == limit {
				page.Next = page.Runs[len(page.Runs)-1].ID
				return false
			}
			page.Runs = append(page.Runs, r)
		}
		if scanned >= maxScan && len(page.Runs) > 0 {
			page.Next = page.Runs[len(page.Runs)-1].ID
			return false
		}
		return scanned < maxScan
	})
	if err == nil {
		err = decodeErr
	}
	return page, err
}

// recent returns up to n runs of job (and kind, if set), newest first.
func (s store) recent(job string, kind RunKind, n int) []Run {
	p, err := s.list(Filter{Job: job, Kind: kind, Limit: n})
	if err != nil {
		return nil
	}
	return p.Runs
}
