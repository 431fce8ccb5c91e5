package storage

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/events"
)

// PersonalData is everything ward holds about one person (GDPR Art. 15
// and 20), as the export's JSON. Secrets are left out: only whether
// they exist (a password hash or TOTP secret is not the person's data
// to read, and giving it out would weaken the account).
type PersonalData struct {
	Generated    time.Time       `json:"generated"`
	Profile      ExportProfile   `json:"profile"`
	Sessions     []ExportSession `json:"sessions"`
	KnownDevices []ExportDevice  `json:"known_devices"`
	APITokens    []ExportToken   `json:"api_tokens"`
	AuditRecords []audit.Record  `json:"audit_records"`
	// QueryHistory is the person's explorer query history, newest first.
	QueryHistory []string `json:"query_history"`
	// Events are the timeline events that name the person (the ones an
	// erasure rewrites: see erasurefields.go), oldest first.
	Events []events.Event    `json:"events"`
	Notes  map[string]string `json:"notes"`
}

// ExportProfile is the person's account.
type ExportProfile struct {
	Name            string    `json:"name"`
	Email           string    `json:"email,omitempty"`
	Role            string    `json:"role"`
	Disabled        bool      `json:"disabled"`
	Created         time.Time `json:"created"`
	LastLogin       time.Time `json:"last_login,omitzero"`
	PasswordChanged time.Time `json:"password_changed,omitzero"`
	TOTPEnabled     time.Time `json:"two_factor_enabled,omitzero"`
	RecoveryCodes   int       `json:"unused_recovery_codes"`
}

// ExportSession is one of the person's sessions.
type ExportSession struct {
	Created   time.Time `json:"created"`
	LastSeen  time.Time `json:"last_seen"`
	Expires   time.Time `json:"expires"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	Pending   bool      `json:"pending_second_factor,omitempty"`
}

// ExportDevice is a known device: ward keeps only a hash of its IP
// address and user agent.
type ExportDevice struct {
	Hash     string    `json:"hash"`
	LastSeen time.Time `json:"last_seen,omitzero"`
}

// ExportToken is an API token the person made (never the token itself).
type ExportToken struct {
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	Scopes   []string  `json:"scopes,omitempty"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used,omitzero"`
	LastIP   string    `json:"last_ip,omitempty"`
	Expires  time.Time `json:"expires,omitzero"`
}

// ExportPerson collects the personal data of the user called name and
// appends rec (actor, IP) as privacy.export naming the person and how
// many audit records went out, in the same transaction: reading
// personal data is itself audited. Audit records are those that name
// the person or their email anywhere (actor, target, IP, a detail
// value), oldest first.
func (s *State) ExportPerson(name string, rec audit.Record, now time.Time) (PersonalData, error) {
	var out PersonalData
	err := s.Update(func(tx *Tx) error {
		u, err := tx.User(name)
		if err != nil {
			return err
		}
		out = PersonalData{
			Generated: now.UTC(),
			Profile: ExportProfile{Name: u.Name, Email: u.Email, Role: u.Role, Disabled: u.Disabled, Created: u.Created,
				LastLogin: u.LastLogin, PasswordChanged: u.PasswordChanged, TOTPEnabled: u.TOTPEnabled, RecoveryCodes: len(u.RecoveryHashes)},
			Sessions: []ExportSession{}, KnownDevices: []ExportDevice{}, APITokens: []ExportToken{}, AuditRecords: []audit.Record{},
			QueryHistory: []string{}, Events: []events.Event{},
			Notes: map[string]string{
				"secrets":       "password hash, two-factor secret and recovery codes are stored only in derived or encrypted form and are not exported",
				"known_devices": "ward stores a hash of the IP address and user agent of each device that signed in, not the address itself",
			},
		}
		sessions, err := userSessions(tx.bolt, name)
		if err != nil {
			return err
		}
		for _, se := range sessions {
			out.Sessions = append(out.Sessions, ExportSession{Created: se.Created, LastSeen: se.LastSeen, Expires: se.Expires,
				IP: se.IP, UserAgent: se.UserAgent, Pending: se.Pending})
		}
		for _, id := range u.KnownClients {
			out.KnownDevices = append(out.KnownDevices, ExportDevice{Hash: id, LastSeen: u.ClientsSeen[id]})
		}
		tokens, err := apiTokens(tx.bolt)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			if t.CreatedBy == name {
				out.APITokens = append(out.APITokens, ExportToken{Name: t.Name, Role: t.Role, Scopes: t.Scopes, Created: t.Created,
					LastUsed: t.LastUsed, LastIP: t.LastIP, Expires: t.Expires})
			}
		}
		names := personNames(u.Name, u.Email)
		needles := newErasee(nil, names).needles()
		c := tx.bolt.Bucket(bucketAudit).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !containsAny(v, needles) {
				continue
			}
			r, err := audit.Decode(v)
			if err != nil {
				return fmt.Errorf("audit record %d: %w", seqOf(k), err)
			}
			if r.Mentions(names...) {
				out.AuditRecords = append(out.AuditRecords, withoutOthersClient(r, names))
			}
		}
		if h, err := getHistory(tx.bolt, name); err != nil {
			return err
		} else if h != nil {
			out.QueryHistory = h
		}
		if out.Events, err = personEvents(tx.bolt, newErasee(nil, names), needles); err != nil {
			return err
		}
		rec.Action, rec.Target, rec.Outcome = audit.ActionPrivacyExport, name, audit.Success
		rec.Details = map[string]string{"records": strconv.Itoa(len(out.AuditRecords)), "sessions": strconv.Itoa(len(out.Sessions)), "tokens": strconv.Itoa(len(out.APITokens)),
			"queries": strconv.Itoa(len(out.QueryHistory)), "events": strconv.Itoa(len(out.Events))}
		return tx.AppendAudit(rec)
	})
	if err != nil {
		return PersonalData{}, fmt.Errorf("storage: export personal data: %w", err)
	}
	return out, nil
}

// personEvents returns the events that name the person, oldest first.
func personEvents(tx *bbolt.Tx, e erasee, needles [][]byte) ([]events.Event, error) {
	out := []events.Event{}
	err := tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
		if !containsAny(v, needles) {
			return nil
		}
		var ev events.Event
		if err := json.Unmarshal(v, &ev); err != nil {
			return fmt.Errorf("event %x: %w", k, err)
		}
		if e.eventNames(ev) {
			ev.ID = hex.EncodeToString(k)
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}

// withoutOthersClient blanks the IP address and user agent of a record
// whose actor is someone else (an admin who reset or disabled the
// person): they are that actor's personal data, not the person's, and a
// viewer exporting their own data must not learn them.
func withoutOthersClient(r audit.Record, names []string) audit.Record {
	if audit.Holds(r.Actor, names...) {
		return r
	}
	r.ActorIP = ""
	if len(r.Details) > 0 {
		d := make(map[string]string, len(r.Details))
		for k, v := range r.Details {
			if !slices.Contains(audit.ClientDetailKeys, k) {
				d[k] = v
			}
		}
		r.Details = d
	}
	return r
}
