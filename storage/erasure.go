package storage

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// ErrNotErasable means an audit record that names the person cannot have
// the name replaced without breaking the chain: it is not in layout v3
// (the upgrade at start did not run or found the chain broken) or does
// not verify. Nothing is erased then.
var ErrNotErasable = errors.New("storage: an audit record naming the person does not verify in layout v3")

// ErasureReport says what an erasure removed and rewrote.
type ErasureReport struct {
	// Pseudonym is the erased marker of the name (audit.Pseudonym).
	Pseudonym string
	// Sessions and Tokens are the sessions and API tokens deleted.
	Sessions, Tokens int
	// Records is how many audit records had values erased.
	Records int
	// Rewritten is how many other stored values named the person and had
	// the name replaced by the pseudonym (events, backup runs...: see
	// erasurefields.go).
	Rewritten int
	// Outside is how many things kept outside the database (Alertmanager
	// silences) the OutsideEraser rewrote.
	Outside int
	// FreeLeft is how many free pages of the database file could not be
	// overwritten after the erasure (0 unless readers held old pages).
	FreeLeft int
}

// erasureKey is the key an audit record is sealed under, which its
// erased markers must be made with: its key epoch's (a rotation of the
// secret key starts a new epoch).
func (s *State) erasureKey(seq uint64) []byte { return s.seal.epochKey(seq) }

// OutsideEraser replaces the person in state ward keeps outside the
// database (Alertmanager's silences): to maps their name and email to
// their pseudonyms. It returns how many things it changed.
type OutsideEraser func(to map[string]string) (int, error)

// EraseUser erases the person called name (GDPR Art. 17): their profile,
// sessions, reset links, query history and the API tokens they made are
// deleted; in their audit records the name, their email, IP addresses
// and user agents are replaced by erased markers (the chain still
// verifies, see audit.Record.Canonical); anything else stored that
// names them gets the pseudonym instead. The ledger line is written
// (and synced) inside the transaction, before it commits; then outside
// (if not nil) runs, still inside it, so that the privacy.erase record
// carries its count too: rec (actor, IP) is appended as privacy.erase
// with the pseudonym as its target and the report's counts, the same
// numbers EraseUser returns. (Should the commit fail after outside ran,
// the ledger re-applies the erasure at the next start.)
// Afterwards the database file's free pages, which still hold the old
// copies, are overwritten.
func (s *State) EraseUser(name string, ledger *Ledger, rec audit.Record, now time.Time, outside OutsideEraser) (ErasureReport, error) {
	var rep ErasureReport
	key := s.seal.auditKey()
	if key == nil {
		return rep, ErrNoAuditKey
	}
	err := s.Update(func(tx *Tx) error {
		u, err := tx.User(name)
		if err != nil {
			return err
		}
		rep, err = s.eraseInTx(tx.bolt, personNames(u.Name, u.Email))
		if err != nil {
			return err
		}
		e := s.erasureEntry(now, u.Name, u.Email)
		if err := putErasure(tx.bolt, e); err != nil {
			return err
		}
		if err := ledger.Append(e); err != nil {
			return err
		}
		if outside != nil {
			names := personNames(u.Name, u.Email)
			if rep.Outside, err = outside(newErasee(key, names).to); err != nil {
				return fmt.Errorf("outside the database: %w", err)
			}
		}
		rec.Action, rec.Target, rec.Outcome = audit.ActionPrivacyErase, rep.Pseudonym, audit.Success
		rec.Details = rep.details()
		rec.Details["erasure"] = e.ID
		return tx.AppendAudit(rec)
	})
	if err != nil {
		return ErasureReport{}, fmt.Errorf("storage: erase user: %w", err)
	}
	left, err := s.overwriteFree()
	rep.FreeLeft = left
	return rep, err
}

// details are the report's counts as the privacy.erase record states
// them: the one source of the numbers the result page shows.
func (r ErasureReport) details() map[string]string {
	return map[string]string{
		"records":   strconv.Itoa(r.Records),
		"sessions":  strconv.Itoa(r.Sessions),
		"tokens":    strconv.Itoa(r.Tokens),
		"rewritten": strconv.Itoa(r.Rewritten),
		"silences":  strconv.Itoa(r.Outside),
	}
}

func personNames(name, email string) []string {
	if email == "" {
		return []string{name}
	}
	return []string{name, email}
}

func (s *State) erasureEntry(now time.Time, names ...string) ErasureEntry {
	key := s.seal.auditKey()
	e := ErasureEntry{ID: fmt.Sprintf("%016x", now.UnixNano()), Time: now.UTC(), KeyID: hex.EncodeToString(audit.KeyID(key))}
	for _, n := range names {
		if n != "" {
			e.Pseudonyms = append(e.Pseudonyms, audit.Pseudonym(key, n))
		}
	}
	return e
}

// eraseInTx erases the person whose name (and email) are names: see
// EraseUser. The user need not exist any more (a re-applied erasure).
func (s *State) eraseInTx(tx *bbolt.Tx, names []string) (ErasureReport, error) {
	name := names[0]
	rep := ErasureReport{Pseudonym: audit.Pseudonym(s.seal.auditKey(), name)}
	sessions, err := userSessions(tx, name)
	if err != nil {
		return rep, err
	}
	rep.Sessions = len(sessions)
	if _, err := (&Tx{st: s, bolt: tx}).DeleteUser(name); err != nil && !errors.Is(err, ErrNotFound) {
		return rep, err
	}
	for _, se := range sessions { // DeleteUser's, when the user was already gone
		if err := tx.Bucket(bucketSessions).Delete(se.ID); err != nil {
			return rep, err
		}
	}
	if err := deleteResetTokens(tx, name); err != nil {
		return rep, err
	}
	if err := tx.Bucket(bucketQueryHistory).Delete([]byte(name)); err != nil {
		return rep, err
	}
	tokens, err := apiTokens(tx)
	if err != nil {
		return rep, err
	}
	for _, t := range tokens {
		if t.CreatedBy == name {
			if err := tx.Bucket(bucketAPITokens).Delete(t.ID); err != nil {
				return rep, err
			}
			rep.Tokens++
		}
	}
	if rep.Records, err = s.eraseAudit(tx, names); err != nil {
		return rep, err
	}
	rep.Rewritten, err = rewriteOthers(tx, newErasee(s.seal.auditKey(), names))
	return rep, err
}

// eraseAudit replaces the person's values in every audit record that
// names them (audit.Record.Mentions) by erased markers; the MACs stay
// valid. Records are matched on their decoded values: the stored JSON
// escapes & < > in an email, so the raw bytes are only a prefilter over
// every form the name can take there (erasee.needles).
func (s *State) eraseAudit(tx *bbolt.Tx, names []string) (int, error) {
	b := tx.Bucket(bucketAudit)
	type change struct {
		k, v []byte
	}
	var changes []change
	needles := newErasee(nil, names).needles()
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if !containsAny(v, needles) {
			continue
		}
		r, err := audit.Decode(v)
		if err != nil {
			return 0, fmt.Errorf("audit record %d: %w", seqOf(k), err)
		}
		if !r.Mentions(names...) {
			continue
		}
		key := s.erasureKey(r.Seq)
		if !hmac.Equal(r.ComputeMAC(key, r.Prev), r.Hash) {
			return 0, fmt.Errorf("%w: record #%d", ErrNotErasable, r.Seq)
		}
		own := audit.Holds(r.Actor, names...) // the IP and agent are the actor's
		r, changed := r.Erase(key, audit.Erasure{Names: names, ClientData: own})
		if !changed {
			continue
		}
		nv, err := r.Encode()
		if err != nil {
			return 0, err
		}
		changes = append(changes, change{append([]byte(nil), k...), nv})
	}
	for _, ch := range changes {
		if err := b.Put(ch.k, ch.v); err != nil {
			return 0, err
		}
	}
	return len(changes), nil
}
