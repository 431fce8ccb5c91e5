package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// Session is a server-side session, stored under the SHA-256 of its
// token; the token itself is never stored.
type Session struct {
	// ID is the SHA-256 of the token (the bucket key).
	ID   []byte `json:"-"`
	User string `json:"user"`
	// Stage is the sign-in stage, opaque to storage.
	Stage string `json:"stage,omitempty"`
	// Pending marks a half-finished sign-in (password done, second factor
	// not yet): it does not count against the concurrent-session limit.
	Pending   bool          `json:"pending,omitempty"`
	Created   time.Time     `json:"created"`
	LastSeen  time.Time     `json:"last_seen"`
	Expires   time.Time     `json:"expires"` // absolute lifetime
	Idle      time.Duration `json:"idle"`    // idle timeout
	IP        string        `json:"ip,omitempty"`
	UserAgent string        `json:"user_agent,omitempty"`
	// NewClient flags a sign-in from an IP and agent pair not seen
	// before for this user.
	NewClient bool `json:"new_client,omitempty"`
	// SecondFactorAt is when the user last proved a second factor, for
	// step-up freshness.
	SecondFactorAt time.Time `json:"second_factor_at,omitzero"`
	// Failures counts wrong second-factor codes on a pending session.
	Failures int `json:"failures,omitempty"`
	// Revoked is set, with a reason, when the session was ended by
	// something other than its owner signing out, so the next request
	// can say why.
	Revoked      time.Time `json:"revoked,omitzero"`
	RevokeReason string    `json:"revoke_reason,omitempty"`
}

// Live reports whether s can still be used at now.
func (s Session) Live(now time.Time) bool {
	return s.Revoked.IsZero() && now.Before(s.Expires) && now.Before(s.LastSeen.Add(s.Idle))
}

// Session returns the session with id, or ErrNotFound.
func (s *State) Session(id []byte) (Session, error) {
	var se Session
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		se, err = getSession(tx, id)
		return err
	})
	return se, err
}

// Sessions returns the sessions of user (every user's when empty),
// oldest first.
func (s *State) Sessions(user string) ([]Session, error) {
	var out []Session
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = userSessions(tx, user)
		return err
	})
	return out, err
}

// PutSession stores a session as it is (a pending sign-in) and appends
// rec when it is not nil.
func (s *State) PutSession(se Session, rec *audit.Record) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		if err := putSession(tx, se); err != nil {
			return err
		}
		if rec != nil {
			return appendAudit(tx, *rec)
		}
		return nil
	})
}

// UpdateSession applies fn to the session with id and appends rec when
// it is not nil. An error from fn aborts the change.
func (s *State) UpdateSession(id []byte, fn func(*Session) error, rec *audit.Record) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		se, err := getSession(tx, id)
		if err != nil {
			return err
		}
		if err := fn(&se); err != nil {
			return err
		}
		if err := putSession(tx, se); err != nil {
			return err
		}
		if rec != nil {
			return appendAudit(tx, *rec)
		}
		return nil
	})
}

// DeleteSession removes the session with id (a sign-out) and appends rec.
func (s *State) DeleteSession(id []byte, rec audit.Record) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		if _, err := getSession(tx, id); err != nil {
			return err
		}
		if err := tx.Bucket(bucketSessions).Delete(id); err != nil {
			return err
		}
		return appendAudit(tx, rec)
	})
}

// PruneSessions deletes sessions that ended before cutoff (expired, or
// revoked and kept so far only to explain why) and returns how many.
// Sessions that simply expired are deleted without a record; their
// expiry is audited when a request finds them.
func (s *State) PruneSessions(now, cutoff time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		all, err := userSessions(tx, "")
		if err != nil {
			return err
		}
		for _, se := range all {
			ended := se.Revoked
			if ended.IsZero() && !se.Live(now) {
				ended = se.Expires
				if idle := se.LastSeen.Add(se.Idle); idle.Before(ended) {
					ended = idle
				}
			}
			if ended.IsZero() || !ended.Before(cutoff) {
				continue
			}
			if err := tx.Bucket(bucketSessions).Delete(se.ID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func getSession(tx *bbolt.Tx, id []byte) (Session, error) {
	var se Session
	v := tx.Bucket(bucketSessions).Get(id)
	if v == nil {
		return se, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err := json.Unmarshal(v, &se); err != nil {
		return se, fmt.Errorf("session %x: %w", id, err)
	}
	se.ID = append([]byte(nil), id...)
	return se, nil
}

func putSession(tx *bbolt.Tx, se Session) error {
	if len(se.ID) == 0 {
		return fmt.Errorf("session without an id")
	}
	v, err := json.Marshal(se)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketSessions).Put(se.ID, v)
}

// userSessions returns the sessions of user (all when empty), oldest first.
func userSessions(tx *bbolt.Tx, user string) ([]Session, error) {
	var out []Session
	err := tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
		var se Session
		if err := json.Unmarshal(v, &se); err != nil {
			return fmt.Errorf("session %x: %w", k, err)
		}
		if user == "" || se.User == user {
			se.ID = append([]byte(nil), k...)
			out = append(out, se)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Session) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return bytes.Compare(a.ID, b.ID)
	})
	return out, err
}
