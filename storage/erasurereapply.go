package storage

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// Keys of the erasures bucket: one per erasure applied to this database.
func erasureKey(id string) []byte { return []byte("e/" + id) }

func putErasure(tx *bbolt.Tx, e ErasureEntry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketErasures).Put(erasureKey(e.ID), v)
}

// Erasures returns the erasures this database has applied, oldest first.
func (s *State) Erasures() ([]ErasureEntry, error) {
	var out []ErasureEntry
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = erasures(tx)
		return err
	})
	return out, err
}

func erasures(tx *bbolt.Tx) ([]ErasureEntry, error) {
	var out []ErasureEntry
	err := tx.Bucket(bucketErasures).ForEach(func(k, v []byte) error {
		var e ErasureEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("erasure %s: %w", k, err)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// ReapplyReport says what ReapplyErasures did.
type ReapplyReport struct {
	// Reapplied are the ledger's erasures the database did not know (it
	// was restored from a copy older than them), now applied again.
	Reapplied int
	// Records is how many audit records they rewrote in all.
	Records int
	// Repaired is how many erasures the database knew but the ledger did
	// not (the ledger was lost or rolled back): written to it again.
	Repaired int
	// OtherKey are erasures made under another audit key, which cannot
	// be matched with names here.
	OtherKey int
}

// ReapplyErasures brings the database up to the ledger: every erasure
// the ledger holds and the erasures bucket does not is applied again
// (the person is found by computing the pseudonyms of the names the
// database holds, since the ledger keeps no name), each in its own
// transaction with a privacy.reapply record. Call it at start, after
// SetAuditKey and UpgradeAudit.
func (s *State) ReapplyErasures(ledger *Ledger, now time.Time) (ReapplyReport, error) {
	var rep ReapplyReport
	key := s.seal.auditKey()
	if key == nil {
		return rep, ErrNoAuditKey
	}
	entries, err := ledger.Entries()
	if err != nil {
		return rep, err
	}
	known, err := s.Erasures()
	if err != nil {
		return rep, err
	}
	have := map[string]bool{}
	for _, e := range known {
		have[e.ID] = true
	}
	inLedger := map[string]bool{}
	for _, e := range entries {
		inLedger[e.ID] = true
		if have[e.ID] {
			continue
		}
		// An erasure made before a rotation has pseudonyms under its
		// own epoch's key, which ward keeps sealed under the current one.
		ekey := s.seal.keyByID(e.KeyID)
		if ekey == nil {
			rep.OtherKey++
			continue
		}
		n, err := s.reapply(e, ekey, now)
		if err != nil {
			return rep, err
		}
		rep.Reapplied++
		rep.Records += n
	}
	for _, e := range known {
		if !inLedger[e.ID] {
			if err := ledger.Append(e); err != nil {
				return rep, err
			}
			rep.Repaired++
		}
	}
	if rep.Reapplied > 0 {
		if _, err := s.overwriteFree(); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (s *State) reapply(e ErasureEntry, key []byte, now time.Time) (int, error) {
	n := 0
	err := s.Update(func(tx *Tx) error {
		names, err := namesFor(tx.bolt, key, e.Pseudonyms)
		if err != nil {
			return err
		}
		rec := audit.Record{Time: now, Actor: "ward", Action: audit.ActionPrivacyReapply, Target: e.Pseudonyms[0], Outcome: audit.Success,
			Details: map[string]string{"erasure": e.ID, "erased_at": e.Time.Format(time.RFC3339)}}
		if len(names) > 0 {
			r, err := s.eraseInTx(tx.bolt, names)
			if err != nil {
				return err
			}
			n = r.Records
			maps.Copy(rec.Details, r.details())
			delete(rec.Details, "silences") // not re-applied: see ReapplyErasures
		} else {
			rec.Details["records"] = "0"
		}
		if err := putErasure(tx.bolt, e); err != nil {
			return err
		}
		return tx.AppendAudit(rec)
	})
	if err != nil {
		return 0, fmt.Errorf("storage: re-apply erasure %s: %w", e.ID, err)
	}
	return n, nil
}

// namesFor finds the names whose pseudonyms are ps among the names the
// database holds: users (name, email), sessions, API token makers and
// audit actors and targets. The user name, when found, comes first.
func namesFor(tx *bbolt.Tx, key []byte, ps []string) ([]string, error) {
	want := func(v string) bool {
		return v != "" && !audit.IsErased(v) && slices.Contains(ps, audit.Pseudonym(key, v))
	}
	users, err := allUsers(tx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if want(u.Name) {
			return personNames(u.Name, u.Email), nil
		}
	}
	var found []string
	add := func(v string) {
		if want(v) && !slices.Contains(found, v) {
			found = append(found, v)
		}
	}
	sessions, err := userSessions(tx, "")
	if err != nil {
		return nil, err
	}
	for _, se := range sessions {
		add(se.User)
	}
	tokens, err := apiTokens(tx)
	if err != nil {
		return nil, err
	}
	for _, t := range tokens {
		add(t.CreatedBy)
	}
	err = tx.Bucket(bucketAudit).ForEach(func(k, v []byte) error {
		r, err := audit.Decode(v)
		if err != nil {
			return fmt.Errorf("audit record %d: %w", seqOf(k), err)
		}
		add(r.Actor)
		add(r.Target)
		return nil
	})
	// The name (the first pseudonym) before the email.
	slices.SortStableFunc(found, func(a, b string) int {
		return slices.Index(ps, audit.Pseudonym(key, a)) - slices.Index(ps, audit.Pseudonym(key, b))
	})
	return found, err
}
