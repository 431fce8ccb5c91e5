package storage

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/events"
)

// The person erased in these tests, with values distinctive enough that
// finding them anywhere in the data directory means they leaked.
const (
	eraseName  = "zebulon-quartz"
	eraseEmail = "zq@privacy.example"
	eraseIP    = "198.51.100.77"
	eraseAgent = "QuartzBrowser/9.1"
)

// person fills st with eraseName's account, a session, an API token,
// query history, an event and audit records that name them as actor,
// target and in details, next to alice's.
func person(tb testing.TB, st *State) {
	tb.Helper()
	addUser(tb, st, User{Name: "alice", Role: "admin", Created: t0})
	addUser(tb, st, User{Name: eraseName, Email: eraseEmail, Role: "viewer", Created: t0, KnownClients: []string{"abc"}})
	update(tb, st, func(tx *Tx) error {
		se := session(9, eraseName, t0)
		se.IP, se.UserAgent = eraseIP, eraseAgent
		return tx.PutSession(se)
	})
	if err := st.CreateAPIToken(APIToken{ID: []byte("tok"), Name: "ci", Role: "viewer", Created: t0, CreatedBy: eraseName, LastIP: eraseIP}, 10, rec("token.create")); err != nil {
		tb.Fatal(err)
	}
	if err := st.AppendEvents([]events.Event{{Time: t0, Kind: events.RateLimited, Severity: events.SeverityWarning, Subject: "user:" + eraseName,
		Text: "user:" + eraseName + " was refused by the api rate limit", Labels: map[string]string{"class": "api", "principal_kind": "user"}}}, 1000); err != nil {
		tb.Fatal(err)
	}
	if err := st.RecordQuery(eraseName, `rate(http_requests_total[5m])`); err != nil {
		tb.Fatal(err)
	}
	for _, r := range []audit.Record{
		{Time: t0, Actor: eraseName, ActorIP: eraseIP, Action: audit.ActionLogin, Target: eraseName, Outcome: audit.Success, Details: map[string]string{"user_agent": eraseAgent}},
		{Time: t0, Actor: "alice", ActorIP: "192.0.2.1", Action: audit.ActionUserRole, Target: eraseName, Outcome: audit.Success, Details: map[string]string{"role": "viewer"}},
		{Time: t0, Actor: "alice", ActorIP: "192.0.2.1", Action: "token.revoke", Target: "token:ci", Outcome: audit.Success, Details: map[string]string{"created_by": eraseName, "reason": "admin"}},
		{Time: t0, Actor: "alice", ActorIP: "192.0.2.1", Action: audit.ActionLogin, Target: "alice", Outcome: audit.Success},
	} {
		if err := st.AppendAudit(r); err != nil {
			tb.Fatal(err)
		}
	}
}

// grepDir fails for each file under dir that holds any of needles.
func grepDir(tb testing.TB, dir string, needles ...string) {
	tb.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, n := range needles {
			if bytes.Contains(data, []byte(n)) {
				tb.Errorf("%s holds %q", path, n)
			}
		}
		return nil
	})
	if err != nil || files == 0 {
		tb.Fatalf("walked %d files: %v", files, err)
	}
}

func TestExportPerson(t *testing.T) {
	st := openTestState(t)
	person(t, st)
	// An admin acts on the person: the admin's own IP and agent are not
	// the person's data and stay out of the export.
	const adminIP, adminAgent = "203.0.113.77", "AdminBrowser/9.9"
	if err := st.Update(func(tx *Tx) error {
		return tx.AppendAudit(audit.Record{Time: t0, Actor: "root", ActorIP: adminIP, Action: audit.ActionUserDisable, Target: eraseName,
			Outcome: audit.Success, Details: map[string]string{"user_agent": adminAgent}})
	}); err != nil {
		t.Fatal(err)
	}
	got, err := st.ExportPerson(eraseName, audit.Record{Time: t0, Actor: "alice"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Profile.Email != eraseEmail || len(got.Sessions) != 1 || got.Sessions[0].IP != eraseIP || len(got.APITokens) != 1 || len(got.KnownDevices) != 1 {
		t.Fatalf("export %+v", got)
	}
	// Actor, target and a detail value: 3 of alice's 4 records and
	// root's record about them; plus
	// the user.create record of the person's own account is alice's
	// "test" record without the name, so not included.
	if len(got.AuditRecords) != 4 {
		t.Fatalf("%d audit records: %+v", len(got.AuditRecords), got.AuditRecords)
	}
	for _, r := range got.AuditRecords {
		if r.ActorIP == adminIP || r.Details["user_agent"] == adminAgent {
			t.Errorf("the export holds another actor's client data: %+v", r)
		}
	}
	// The explorer history and the events that name them, as /privacy
	// lists them.
	if len(got.QueryHistory) != 1 || got.QueryHistory[0] != `rate(http_requests_total[5m])` {
		t.Errorf("query history %q", got.QueryHistory)
	}
	if len(got.Events) != 1 || got.Events[0].Subject != "user:"+eraseName || got.Events[0].ID == "" {
		t.Errorf("events %+v", got.Events)
	}
	recs, err := st.AuditQuery(audit.Query{Action: audit.ActionPrivacyExport}, nil)
	if err != nil || len(recs) != 1 || recs[0].Details["records"] != "4" || recs[0].Details["queries"] != "1" || recs[0].Details["events"] != "1" || recs[0].Target != eraseName {
		t.Fatalf("export record %+v %v", recs, err)
	}
	if _, err := st.ExportPerson("nobody", audit.Record{Time: t0, Actor: "alice"}, t0); err == nil {
		t.Fatal("exported a user that does not exist")
	}
}

// TestEraseUser: after erasure the chain verifies, the person's records
// carry their pseudonym, and the name, email, IP and agent are nowhere
// in the data directory; restoring a copy of the database from before
// the erasure and starting again erases them again (the ledger).
func TestEraseUser(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ward.db")
	ledger := NewLedger(filepath.Join(dir, "erasures.ledger"))
	st := openKeyed(t, path)
	person(t, st)
	before := copyDB(t, path) // the backup, taken outside the data directory

	rep, err := st.EraseUser(eraseName, ledger, audit.Record{Time: t0, Actor: "alice", ActorIP: "192.0.2.1"}, t0.Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 3 || rep.Sessions != 1 || rep.Tokens != 1 || rep.Rewritten == 0 || rep.FreeLeft != 0 {
		t.Fatalf("report %+v", rep)
	}
	if res := verify(t, st); !res.Valid {
		t.Fatalf("chain after erasure: %s", res)
	}
	pseudo := audit.Pseudonym(testAuditKey, eraseName)
	recs, err := st.AuditQuery(audit.Query{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var own, erase int
	for _, r := range recs {
		if r.Actor == pseudo {
			own++
			if !audit.IsErased(r.ActorIP) || !audit.IsErased(r.Details["user_agent"]) {
				t.Errorf("client data kept: %+v", r)
			}
		}
		if r.Action == audit.ActionPrivacyErase {
			erase++
			if r.Target != pseudo || !maps.Equal(r.Details, mapsWith(rep.details(), "erasure", r.Details["erasure"])) {
				t.Errorf("erase record %+v", r)
			}
		}
		if r.Actor == "alice" && r.ActorIP != "192.0.2.1" {
			t.Errorf("alice's IP erased: %+v", r)
		}
	}
	if own != 1 || erase != 1 {
		t.Fatalf("%d records by the pseudonym, %d erase records", own, erase)
	}
	if _, err := st.User(eraseName); err == nil {
		t.Fatal("user kept")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	grepDir(t, dir, eraseName, eraseEmail, eraseIP, eraseAgent)

	// Restore the older copy: the person is back until ward starts.
	data, err := os.ReadFile(before)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	st = openKeyed(t, path)
	again, err := st.ReapplyErasures(ledger, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if again.Reapplied != 1 || again.Records != 3 {
		t.Fatalf("reapply %+v", again)
	}
	if res := verify(t, st); !res.Valid {
		t.Fatalf("chain after re-applying: %s", res)
	}
	if recs, _ := st.AuditQuery(audit.Query{Action: audit.ActionPrivacyReapply}, nil); len(recs) != 1 || recs[0].Target != pseudo {
		t.Fatalf("reapply records %+v", recs)
	}
	// A second start does nothing.
	if again, err := st.ReapplyErasures(ledger, t0.Add(3*time.Hour)); err != nil || again.Reapplied != 0 {
		t.Fatalf("second start %+v %v", again, err)
	}
	st.Close()
	grepDir(t, dir, eraseName, eraseEmail, eraseIP, eraseAgent)
}

// TestEraseLedgerRepaired: an erasure the database knows but a lost
// ledger does not is written to the ledger again.
func TestEraseLedgerRepaired(t *testing.T) {
	dir := t.TempDir()
	st := openKeyed(t, filepath.Join(dir, "ward.db"))
	person(t, st)
	lp := filepath.Join(dir, "erasures.ledger")
	if _, err := st.EraseUser(eraseName, NewLedger(lp), audit.Record{Time: t0, Actor: "alice"}, t0, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(lp); err != nil {
		t.Fatal(err)
	}
	rep, err := st.ReapplyErasures(NewLedger(lp), t0)
	if err != nil || rep.Repaired != 1 || rep.Reapplied != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	entries, err := NewLedger(lp).Entries()
	if err != nil || len(entries) != 1 || strings.Contains(entries[0].Pseudonyms[0], eraseName) {
		t.Fatalf("%+v %v", entries, err)
	}
}

func TestLedgerRejectsBadLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "l")
	good := `{"id":"1","pseudonyms":["erased:00"],"key_id":"x"}` + "\n"
	for name, tc := range map[string]struct {
		text string
		n    int
		bad  bool
	}{
		"good":       {good, 1, false},
		"torn tail":  {good + `{"id":"2","pseu`, 1, false},
		"bad middle": {good + "junk\n" + good, 0, true},
	} {
		if err := os.WriteFile(p, []byte(tc.text), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := NewLedger(p).Entries()
		if (err != nil) != tc.bad || len(got) != tc.n {
			t.Errorf("%s: %d entries, %v", name, len(got), err)
		}
	}
}

// TestUpgradeAuditV2: a v2 chain (keyed, over raw values) is upgraded to
// v3 once, verifies after, and an anchor on the v2 head still matches.
func TestUpgradeAuditV2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ward.db")
	st := openKeyed(t, path)
	appendN(t, st, 5)
	st.Close()
	var v2Head audit.Anchor
	offline(t, path, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		prev := audit.Genesis
		for seq := uint64(1); seq <= 5; seq++ {
			r := decodeAt(t, b, seq)
			r.Prev = prev
			r.Hash = r.MACv2(testAuditKey, prev)
			put(t, b, seq, r)
			prev = r.Hash
			v2Head = audit.Anchor{Seq: seq, Hash: r.Hash}
		}
		return putChainPoint(tx.Bucket(bucketAuditChain), keyAuditHead, v2Head)
	})
	st = openKeyed(t, path)
	if res := verify(t, st); !res.Valid || res.V2 != 5 {
		t.Fatalf("v2 chain: %s (v2 %d)", res, res.V2)
	}
	up, err := st.UpgradeAudit(t0)
	if err != nil || up.Upgraded != 5 || up.Broken != nil {
		t.Fatalf("%+v %v", up, err)
	}
	res := verify(t, st, audit.External{Anchor: v2Head})
	if !res.Valid || res.V2 != 0 || !strings.Contains(res.Anchors[0].How, "audit.migrate") {
		t.Fatalf("after upgrade: %s %+v", res, res.Anchors)
	}
	if up, err := st.UpgradeAudit(t0); err != nil || up.Upgraded != 0 {
		t.Fatalf("second upgrade %+v %v", up, err)
	}
}

func TestPruneClientData(t *testing.T) {
	st := openTestState(t)
	person(t, st)
	now := t0.Add(400 * 24 * time.Hour)
	// First pass: the legacy device gets a time; audit records before
	// the cutoff lose their client data.
	rep, err := st.PruneClientData(now.Add(-90*24*time.Hour), t0.Add(time.Second), now, audit.Record{Time: now, Actor: "ward"})
	if err != nil || rep.Devices != 0 || rep.TokenIPs != 1 || rep.AuditRecords != 4 {
		t.Fatalf("%+v %v", rep, err)
	}
	if res := verify(t, st); !res.Valid {
		t.Fatalf("chain after pruning: %s", res)
	}
	rep, err = st.PruneClientData(now.Add(time.Hour), t0.Add(time.Second), now, audit.Record{Time: now, Actor: "ward"})
	if err != nil || rep.Devices != 1 || rep.AuditRecords != 0 {
		t.Fatalf("second pass %+v %v", rep, err)
	}
	if recs, _ := st.AuditQuery(audit.Query{Action: audit.ActionPrivacyPrune}, nil); len(recs) != 2 || recs[1].Details["audit_records"] != "4" {
		t.Fatalf("prune records %+v", recs)
	}
	if u, _ := st.User(eraseName); len(u.KnownClients) != 0 || u.ClientsSeen != nil {
		t.Fatalf("device kept %+v", u)
	}
}

// mapsWith returns a copy of m with k set to v.
func mapsWith(m map[string]string, k, v string) map[string]string {
	out := maps.Clone(m)
	out[k] = v
	return out
}

// TestLedgerAppendAfterTornLine: an append after a crash that tore the
// last line cuts the fragment off, so the ledger stays readable.
func TestLedgerAppendAfterTornLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "l")
	good := `{"id":"1","pseudonyms":["erased:00"],"key_id":"x"}` + "\n"
	if err := os.WriteFile(p, []byte(good+`{"id":"2","pseu`), 0o600); err != nil {
		t.Fatal(err)
	}
	l := NewLedger(p)
	if err := l.Append(ErasureEntry{ID: "3", Pseudonyms: []string{"erased:11"}, KeyID: "x"}); err != nil {
		t.Fatal(err)
	}
	got, err := l.Entries()
	if err != nil || len(got) != 2 || got[0].ID != "1" || got[1].ID != "3" {
		t.Fatalf("after appending past a torn line: %+v, %v", got, err)
	}
}
