package storage

import (
	"crypto/hmac"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// SeeClient records that the known client id (a hash of an IP address
// and user agent) signed in at now.
func (u *User) SeeClient(id string, now time.Time) {
	if u.ClientsSeen == nil {
		u.ClientsSeen = map[string]time.Time{}
	}
	u.ClientsSeen[id] = now.UTC()
}

// PruneReport says what PruneClientData removed.
type PruneReport struct {
	// Devices are known devices (IP and agent hashes) unseen since the
	// cutoff, forgotten; TokenIPs API tokens' last IP addresses, cleared.
	Devices, TokenIPs int
	// AuditRecords are audit records older than their cutoff whose IP
	// addresses and user agents were replaced by erased markers.
	AuditRecords int
}

// Total is the number of things pruned.
func (p PruneReport) Total() int { return p.Devices + p.TokenIPs + p.AuditRecords }

// maxPruneRecords bounds the audit records one PruneClientData pass
// rewrites, so one transaction stays short; the next pass goes on.
const maxPruneRecords = 50_000

// keyClientDataThrough in the erasures bucket is the newest audit record
// whose client data the pruning has dealt with.
var keyClientDataThrough = []byte("m/client_data_through")

// PruneClientData removes IP addresses and user agents past their
// retention (privacy.known_devices, privacy.audit_client_data) in one
// transaction, and appends rec as privacy.prune with the counts when
// anything was pruned. A known device stored before devices had a
// last-seen time gets now, and ages from there.
func (s *State) PruneClientData(devicesBefore, auditBefore, now time.Time, rec audit.Record) (PruneReport, error) {
	var rep PruneReport
	err := s.Update(func(tx *Tx) error {
		rep = PruneReport{}
		var err error
		if rep.Devices, err = pruneDevices(tx.bolt, devicesBefore, now); err != nil {
			return err
		}
		if rep.TokenIPs, err = pruneTokenIPs(tx.bolt, devicesBefore); err != nil {
			return err
		}
		if rep.AuditRecords, err = s.pruneAuditClients(tx.bolt, auditBefore); err != nil {
			return err
		}
		if rep.Total() == 0 {
			return nil
		}
		rec.Action, rec.Outcome = audit.ActionPrivacyPrune, audit.Success
		rec.Details = map[string]string{
			"devices":       strconv.Itoa(rep.Devices),
			"token_ips":     strconv.Itoa(rep.TokenIPs),
			"audit_records": strconv.Itoa(rep.AuditRecords),
		}
		return tx.AppendAudit(rec)
	})
	if err != nil {
		return PruneReport{}, fmt.Errorf("storage: prune client data: %w", err)
	}
	return rep, nil
}

func pruneDevices(tx *bbolt.Tx, before, now time.Time) (int, error) {
	users, err := allUsers(tx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range users {
		changed := false
		keep := u.KnownClients[:0:0]
		for _, id := range u.KnownClients {
			seen, ok := u.ClientsSeen[id]
			if !ok {
				u.SeeClient(id, now)
				changed = true
				seen = now
			}
			if seen.Before(before) {
				n++
				changed = true
				continue
			}
			keep = append(keep, id)
		}
		for id := range u.ClientsSeen {
			if !slices.Contains(keep, id) {
				delete(u.ClientsSeen, id)
				changed = true
			}
		}
		if !changed {
			continue
		}
		u.KnownClients = keep
		if len(u.ClientsSeen) == 0 {
			u.ClientsSeen = nil
		}
		if err := putUser(tx, u); err != nil {
			return n, err
		}
	}
	return n, nil
}

func pruneTokenIPs(tx *bbolt.Tx, before time.Time) (int, error) {
	tokens, err := apiTokens(tx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range tokens {
		if t.LastIP == "" || !t.LastUsed.Before(before) {
			continue
		}
		t.LastIP = ""
		if err := putAPIToken(tx, t); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *State) pruneAuditClients(tx *bbolt.Tx, before time.Time) (int, error) {
	marks := tx.Bucket(bucketErasures)
	var through uint64
	if v := marks.Get(keyClientDataThrough); len(v) == 8 {
		through = binary.BigEndian.Uint64(v)
	}
	b := tx.Bucket(bucketAudit)
	type change struct{ k, v []byte }
	var changes []change
	last := through
	c := b.Cursor()
	for k, v := c.Seek(seqKey(through + 1)); k != nil && len(changes) < maxPruneRecords; k, v = c.Next() {
		r, err := audit.Decode(v)
		if err != nil {
			return 0, fmt.Errorf("audit record %d: %w", seqOf(k), err)
		}
		if !r.Time.Before(before) {
			break
		}
		last = r.Seq
		key := s.erasureKey(r.Seq)
		if !hmac.Equal(r.ComputeMAC(key, r.Prev), r.Hash) {
			continue // not v3 (or broken): erasing would break it; verification reports it
		}
		r, changed := r.Erase(key, audit.Erasure{ClientData: true})
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
	if last != through {
		if err := marks.Put(keyClientDataThrough, seqKey(last)); err != nil {
			return 0, err
		}
	}
	return len(changes), nil
}

func putAPIToken(tx *bbolt.Tx, t APIToken) error {
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketAPITokens).Put(t.ID, v)
}
