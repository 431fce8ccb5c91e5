package storage

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/events"
)

// TestEraseCommonWordName: erasing a person whose user name is also a
// word ward uses elsewhere (a role, a token's name, an outcome, a
// one-letter word) rewrites only the fields that name that person: no
// one else's role, token, record, run, count, event or attestation
// changes, and the chain verifies.
func TestEraseCommonWordName(t *testing.T) {
	for _, name := range []string{"admin", "viewer", "cli", "success", "a"} {
		t.Run(name, func(t *testing.T) {
			st := openTestState(t)
			email := name + "@corp.example"
			addUser(t, st, User{Name: "ann", Role: "admin", Created: t0})
			addUser(t, st, User{Name: "val", Role: "viewer", Created: t0})
			addUser(t, st, User{Name: name, Email: email, Role: "viewer", Created: t0})
			for _, tok := range []APIToken{
				{ID: []byte("t1"), Name: "cli", Role: "admin", Created: t0, CreatedBy: "ann"},
				{ID: []byte("t2"), Name: "reader", Role: "viewer", Created: t0, CreatedBy: "val"},
				{ID: []byte("t3"), Name: "mine", Role: "viewer", Created: t0, CreatedBy: name},
			} {
				if err := st.CreateAPIToken(tok, 10, rec("token.create")); err != nil {
					t.Fatal(err)
				}
			}
			others := []audit.Record{
				{Actor: "ann", Action: audit.ActionUserCreate, Target: "val", Details: map[string]string{"role": "viewer"}},
				{Actor: "ann", Action: audit.ActionUserRole, Target: "val", Details: map[string]string{"from": "viewer", "to": "admin"}},
				{Actor: "ann", Action: "token.create", Target: "token:cli", Details: map[string]string{"role": "admin", "scopes": "admin,cli"}},
				{Actor: "val", Action: audit.ActionLogin, Target: "val", Details: map[string]string{"method": "password", "result": "success"}},
				{Actor: "ann", Action: audit.ActionSilenceCreate, Target: "s1", Details: map[string]string{"comment": "a admin viewer cli success window"}},
			}
			mine := []audit.Record{
				{Actor: "ann", Action: audit.ActionUserCreate, Target: name, Details: map[string]string{"role": "viewer"}},
				{Actor: name, ActorIP: "198.51.100.7", Action: audit.ActionLogin, Target: name, Details: map[string]string{"user_agent": "Agent/1", "role": "viewer"}},
				{Actor: "ann", Action: audit.ActionRateLimited, Target: "user:" + name, Details: map[string]string{"key": "user:" + name, "class": "api"}},
				{Actor: "ann", Action: "token.revoke", Target: "token:mine", Details: map[string]string{"created_by": name, "reason": "admin"}},
			}
			for _, r := range slices.Concat(others, mine) {
				r.Time, r.Outcome = t0, audit.Success
				if err := st.AppendAudit(r); err != nil {
					t.Fatal(err)
				}
			}
			for id, by := range map[string]string{"run-1": "ann", "run-2": name} {
				if err := st.PutBackupRun(id, []byte(`{"id":"`+id+`","kind":"backup","trigger":"manual","by":"`+by+`","job":"admin","label":"success"}`)); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.AddLimitCounts(t0, []LimitCount{{Class: "api", Kind: "user", Key: "user:ann", Count: 2}, {Class: "api", Kind: "user", Key: "user:" + name, Count: 3}}); err != nil {
				t.Fatal(err)
			}
			if err := st.AppendEvents([]events.Event{
				{Time: t0, Kind: events.RateLimited, Subject: "user:ann", Text: "user:ann was refused by the admin rate limit", Labels: map[string]string{"class": "admin"}},
				{Time: t0.Add(time.Second), Kind: events.RateLimited, Subject: "user:" + name, Text: "user:" + name + " was refused by the api rate limit"},
			}, 100); err != nil {
				t.Fatal(err)
			}
			for id, by := range map[string]string{"legal": "ann", "policy": name} {
				if err := st.PutAttestation(id, []byte(`{"control":"`+id+`","by":"`+by+`","comment":"reviewed by admin and viewer"}`), rec("compliance.attest")); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.AppendEvidence([]EvidenceRecord{{Control: "two_factor", At: t0,
				JSON: []byte(`{"control":"two_factor","value":"1 of 3 admin","detail":"Without 2FA: ann (admin), ` + name + ` (viewer). They enrol on /account/2fa."}`)}}); err != nil {
				t.Fatal(err)
			}
			before, err := st.AuditQuery(audit.Query{}, nil)
			if err != nil {
				t.Fatal(err)
			}

			rep, err := st.EraseUser(name, NewLedger(filepath.Join(t.TempDir(), "ledger")), audit.Record{Time: t0, Actor: "ann"}, t0.Add(time.Hour), nil)
			if err != nil {
				t.Fatal(err)
			}
			p := rep.Pseudonym
			// 4 records, 5 values (run, count, event, attestation, evidence).
			if rep.Records != len(mine) || rep.Rewritten != 5 || rep.Tokens != 1 {
				t.Errorf("report %+v", rep)
			}
			if res := verify(t, st); !res.Valid {
				t.Fatalf("chain: %s", res)
			}
			for n, role := range map[string]string{"ann": "admin", "val": "viewer"} {
				if u, err := st.User(n); err != nil || u.Role != role {
					t.Errorf("%s: %+v %v", n, u, err)
				}
			}
			toks, err := st.APITokens()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, tk := range toks {
				got[tk.Name] = tk.Role + " by " + tk.CreatedBy
			}
			if want := map[string]string{"cli": "admin by ann", "reader": "viewer by val"}; !maps.Equal(got, want) {
				t.Errorf("tokens %v, want %v", got, want)
			}

			after, err := st.AuditQuery(audit.Query{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			bySeq := map[uint64]audit.Record{}
			for _, r := range after {
				bySeq[r.Seq] = r
			}
			for _, b := range before {
				a := bySeq[b.Seq]
				isMine := b.Actor == name || b.Target == name || b.Target == "user:"+name || b.Details["created_by"] == name
				if !isMine {
					if a.Actor != b.Actor || a.Target != b.Target || a.ActorIP != b.ActorIP || !maps.Equal(a.Details, b.Details) {
						t.Errorf("someone else's record #%d changed:\n%+v\n%+v", b.Seq, b, a)
					}
					continue
				}
				if a.Actor == name || a.Target == name || a.Target == "user:"+name || a.Details["created_by"] == name || a.Details["key"] == "user:"+name {
					t.Errorf("record #%d still names the person: %+v", b.Seq, a)
				}
				if b.Details["role"] != "" && a.Details["role"] != b.Details["role"] {
					t.Errorf("record #%d lost its role detail: %+v", b.Seq, a)
				}
				if b.Details["class"] != "" && a.Details["class"] != b.Details["class"] {
					t.Errorf("record #%d lost its class detail: %+v", b.Seq, a)
				}
			}

			runs := map[string]map[string]string{}
			if err := st.BackupRuns("", func(id string, data []byte) bool {
				var m map[string]string
				if err := json.Unmarshal(data, &m); err != nil {
					t.Error(err)
				}
				runs[id] = m
				return true
			}); err != nil {
				t.Fatal(err)
			}
			if runs["run-1"]["by"] != "ann" || runs["run-2"]["by"] != p || runs["run-2"]["job"] != "admin" || runs["run-2"]["label"] != "success" || runs["run-1"]["label"] != "success" {
				t.Errorf("backup runs %v", runs)
			}
			counts, err := st.LimitCounts(t0, 0)
			if err != nil {
				t.Fatal(err)
			}
			keys := map[string]uint64{}
			for _, c := range counts {
				keys[c.Key] = c.Count
			}
			if want := map[string]uint64{"user:ann": 2, "user:" + p: 3}; !maps.Equal(keys, want) {
				t.Errorf("limit counts %v, want %v", keys, want)
			}
			evs, err := st.Events(events.Query{})
			if err != nil {
				t.Fatal(err)
			}
			texts := []string{}
			for _, e := range evs {
				texts = append(texts, e.Subject+" | "+e.Text+" | "+e.Labels["class"])
			}
			if want := []string{"user:" + p + " | user:" + p + " was refused by the api rate limit | ", "user:ann | user:ann was refused by the admin rate limit | admin"}; !slices.Equal(texts, want) {
				t.Errorf("events\n%q\nwant\n%q", texts, want)
			}
			atts, err := st.Attestations()
			if err != nil {
				t.Fatal(err)
			}
			if string(atts["legal"]) != `{"control":"legal","by":"ann","comment":"reviewed by admin and viewer"}` {
				t.Errorf("ann's attestation changed: %s", atts["legal"])
			}
			var pol map[string]string
			if err := json.Unmarshal(atts["policy"], &pol); err != nil || pol["by"] != p || pol["comment"] != "reviewed by admin and viewer" {
				t.Errorf("the person's attestation: %s", atts["policy"])
			}
			var detail string
			if err := st.EvidenceRange("two_factor", t0, t0.Add(time.Hour), func(r EvidenceRecord) error {
				var m map[string]string
				err := json.Unmarshal(r.JSON, &m)
				detail = m["detail"]
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if want := "Without 2FA: ann (admin), " + p + " (viewer). They enrol on /account/2fa."; detail != want {
				t.Errorf("evidence detail %q, want %q", detail, want)
			}
		})
	}
}

// TestEraseEscapedEmail: an email holding & < > (stored JSON-escaped,
// and URL-escaped in an export's filters), typed as the user name of
// failed sign-ins, is erased from the audit trail and is nowhere in the
// data directory after the erasure.
func TestEraseEscapedEmail(t *testing.T) {
	const name, email = "quinn", "qq.mail&x@example.com"
	dir := t.TempDir()
	st := openKeyed(t, filepath.Join(dir, "ward.db"))
	addUser(t, st, User{Name: name, Email: email, Role: "viewer", Created: t0})
	for _, r := range []audit.Record{
		{Actor: email, ActorIP: "203.0.113.9", Action: audit.ActionLoginPassword, Target: email, Outcome: audit.Failure, Details: map[string]string{"reason": "bad_password"}},
		{Actor: "ann", Action: audit.ActionDataRead, Outcome: audit.Success, Details: map[string]string{"what": "audit export", "filters": "actor=qq.mail%26x%40example.com&outcome=failure"}},
		{Actor: "ann", Action: audit.ActionSilenceCreate, Target: "s1", Outcome: audit.Success, Details: map[string]string{"comment": "mail <" + email + "> first"}},
	} {
		r.Time = t0
		if err := st.AppendAudit(r); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := st.EraseUser(name, NewLedger(filepath.Join(dir, "ledger")), audit.Record{Time: t0, Actor: "ann"}, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 3 {
		t.Errorf("%d records erased, want 3", rep.Records)
	}
	if res := verify(t, st); !res.Valid {
		t.Fatalf("chain: %s", res)
	}
	recs, err := st.AuditQuery(audit.Query{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Mentions(email) {
			t.Errorf("record #%d still holds the email: %+v", r.Seq, r)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	grepDir(t, dir, "qq.mail")
}
