package storage

import (
	"encoding/json"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// Bounds of a user's query history (the explorer, issue 11).
const (
	// MaxQueryHistory is how many distinct expressions a user's history
	// keeps; the oldest goes first.
	MaxQueryHistory = 20
	// MaxHistoryExpr bounds one remembered expression; longer ones are
	// not remembered.
	MaxHistoryExpr = 4096
)

// QueryHistory returns user's recent expressions, newest first.
func (s *State) QueryHistory(user string) ([]string, error) {
	var h []string
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		h, err = getHistory(tx, user)
		return err
	})
	return h, err
}

// RecordQuery puts expr first in user's history, removing an earlier
// copy and the entries past MaxQueryHistory. An empty or overlong
// expression is not remembered.
func (s *State) RecordQuery(user, expr string) error {
	if user == "" || expr == "" || len(expr) > MaxHistoryExpr {
		return nil
	}
	// Re-running the newest query changes nothing: read first, so that
	// it costs no write transaction (bbolt syncs every commit).
	newest := false
	if err := s.db.View(func(tx *bbolt.Tx) error {
		h, err := getHistory(tx, user)
		newest = err == nil && len(h) > 0 && h[0] == expr
		return err
	}); err != nil || newest {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		h, err := getHistory(tx, user)
		if err != nil {
			return err
		}
		if len(h) > 0 && h[0] == expr {
			return nil
		}
		h = slices.DeleteFunc(h, func(e string) bool { return e == expr })
		h = append([]string{expr}, h...)
		if len(h) > MaxQueryHistory {
			h = h[:MaxQueryHistory]
		}
		v, err := json.Marshal(h)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketQueryHistory).Put([]byte(user), v)
	})
}

// ClearQueryHistory deletes user's history and appends rec (with the
// number of entries removed) in the same transaction; it returns that
// number.
func (s *State) ClearQueryHistory(user string, rec audit.Record) (int, error) {
	var n int
	err := s.Update(func(t *Tx) error {
		h, err := getHistory(t.bolt, user)
		if err != nil {
			return err
		}
		n = len(h)
		if err := t.bolt.Bucket(bucketQueryHistory).Delete([]byte(user)); err != nil {
			return err
		}
		if rec.Details == nil {
			rec.Details = map[string]string{}
		}
		rec.Details["entries"] = fmt.Sprint(n)
		return t.AppendAudit(rec)
	})
	return n, err
}

func getHistory(tx *bbolt.Tx, user string) ([]string, error) {
	v := tx.Bucket(bucketQueryHistory).Get([]byte(user))
	if v == nil {
		return nil, nil
	}
	var h []string
	if err := json.Unmarshal(v, &h); err != nil {
		return nil, fmt.Errorf("storage: query history of %q: %w", user, err)
	}
	return h, nil
}
