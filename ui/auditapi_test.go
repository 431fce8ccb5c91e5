package ui

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/storage"
)

// startAuditAPIServer serves the audit trail API over a keyed chain
// holding n records of the test's own, a minute apart from t0, before
// the server's own: even ones by bob on target "db", odd ones by carol
// on "web"; every third one failed.
func startAuditAPIServer(tb testing.TB, n int, t0 time.Time) (*Server, string, *storage.State) {
	tb.Helper()
	var state *storage.State
	s, base := startServerEdit(tb, discardLogger(), testAuthConfig(), func(d *Deps, st *storage.State) {
		if _, err := st.SetAuditKey(bytes.Repeat([]byte{7}, 32), time.Now()); err != nil {
			tb.Fatal(err)
		}
		for i := 1; i <= n; i++ {
			actor, target, outcome := "carol", "web", audit.Success
			if i%2 == 0 {
				actor, target = "bob", "db"
			}
			if i%3 == 0 {
				outcome = audit.Failure
			}
			r := audit.Record{Time: t0.Add(time.Duration(i) * time.Minute), Actor: actor, Action: "test.thing", Target: target, Outcome: outcome}
			if err := st.AppendAudit(r); err != nil {
				tb.Fatal(err)
			}
		}
		d.AuditTrail, state = st, st
	})
	return s, base, state
}

// auditAPIGet reads one page of the API.
func auditAPIGet(tb testing.TB, base, token, query string) (int, auditAPIPage, string) {
	tb.Helper()
	resp, body := doAs(tb, "GET", base+"/api/ward/audit?"+query, token, nil)
	var page auditAPIPage
	_, errText := apiEnvelope(tb, body, &page)
	return resp.StatusCode, page, errText
}

// TestAuditAPIPages: a SIEM token (admin, audit:read) pages the whole
// trail both ways with the cursor, each filter selects what it names,
// and every read is itself audited with its filters and count.
func TestAuditAPIPages(t *testing.T) {
	t0 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	s, base, _ := startAuditAPIServer(t, 30, t0)
	siem := scopedToken(t, s, "siem", auth.RoleAdmin, auth.ScopeAuditRead)

	// Oldest first, 7 at a time, filtered to the test's own records.
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		q := "action=test.thing&order=asc&limit=7"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		code, page, errText := auditAPIGet(t, base, siem, q)
		if code != http.StatusOK {
			t.Fatalf("page %d: %d %s", pages, code, errText)
		}
		for _, r := range page.Records {
			seen = append(seen, r.Time.Format("15:04"))
			if h, err := hex.DecodeString(r.Hash); err != nil || len(h) != audit.HashSize || r.Seq == 0 {
				t.Fatalf("record %+v lacks its chain fields in hex", r)
			}
			if p, err := hex.DecodeString(r.Prev); err != nil || len(p) != audit.HashSize {
				t.Fatalf("record %+v: prev not in hex", r)
			}
		}
		if page.NextCursor == "" {
			t.Fatal("an oldest-first page without a cursor: a poller could not resume")
		}
		cursor = page.NextCursor
		if !page.More {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 30 || seen[0] != "00:01" || seen[29] != "00:30" {
		t.Fatalf("oldest first read %d records %v", len(seen), seen)
	}
	// The poller's cursor picks up what is appended later, and only that.
	if err := s.deps.Audit.AppendAudit(audit.Record{Time: t0.Add(time.Hour), Actor: "bob", Action: "test.thing", Outcome: audit.Success}); err != nil {
		t.Fatal(err)
	}
	_, later, _ := auditAPIGet(t, base, siem, "action=test.thing&cursor="+url.QueryEscape(cursor))
	if len(later.Records) != 1 || !later.Records[0].Time.Equal(t0.Add(time.Hour)) {
		t.Errorf("resuming after the end read %+v, want only the new record", later.Records)
	}

	// Newest first (the default); the last page has no cursor.
	code, page, _ := auditAPIGet(t, base, siem, "actor=bob&limit=100")
	if code != 200 || len(page.Records) != 16 || page.More || page.NextCursor != "" || page.Records[0].Seq < page.Records[1].Seq {
		t.Errorf("bob's records newest first: %d, %d records, more %v, cursor %q", code, len(page.Records), page.More, page.NextCursor)
	}
	since := t0.Add(10 * time.Minute)
	for q, want := range map[string]int{
		"target=web&action=test.thing":           15,
		"outcome=failure&action=test.thing":      10,
		"outcome=success&actor=carol&target=web": 10,
		"since=" + since.Format(time.RFC3339) + "&until=" + strconv.FormatInt(since.Add(5*time.Minute).Unix(), 10): 5,
		"since=" + strconv.FormatInt(t0.Add(59*time.Minute).Unix(), 10) + ".5&action=test.thing":                   1,
	} {
		if code, page, errText := auditAPIGet(t, base, siem, q); code != 200 || len(page.Records) != want {
			t.Errorf("?%s: %d %q, %d records, want %d", q, code, errText, len(page.Records), want)
		}
	}

	// Each read left an audit.view naming its filters and count.
	auditAPIGet(t, base, siem, "action=test.thing&since="+since.Format(time.RFC3339))
	views, err := s.deps.AuditTrail.AuditPageQuery(audit.Query{Action: audit.ActionAuditView, Actor: "token:siem"}, storage.AuditPageOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(views.Records) != 13 {
		t.Fatalf("%d audit.view records by token:siem, want 13 (one per read)", len(views.Records))
	}
	last := views.Records[0].Details
	if last["via"] != "api" || last["records"] != "22" || last["action"] != "test.thing" || last["since"] != since.Format(time.RFC3339) {
		t.Errorf("newest view record's details %v: want via=api, records=22 and the filters", last)
	}
}

// TestAuditAPIRefusals: bad parameters are 400 naming the parameter in
// the API's envelope; only admins and admin tokens with audit:read (or
// no scope) may read; audit:read needs an admin token.
func TestAuditAPIRefusals(t *testing.T) {
	s, base, _ := startAuditAPIServer(t, 3, time.Now().Add(-time.Hour))
	siem := scopedToken(t, s, "siem", auth.RoleAdmin, auth.ScopeAuditRead)
	_, first, _ := auditAPIGet(t, base, siem, "limit=1&actor=bob")
	for q, field := range map[string]string{
		"limit=0": "limit:", "limit=1001": "limit:", "limit=x": "limit:", "outcome=maybe": "outcome:",
		"since=yesterday": "since:", "until=1e300": "until:", "order=sideways": "order:",
		"since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z": "until:",
		"cursor=bm9wZQ": "cursor:", "cursor=%25%25": "cursor:",
		"actor=carol&cursor=" + url.QueryEscape(first.NextCursor):         "cursor:",
		"actor=bob&order=asc&cursor=" + url.QueryEscape(first.NextCursor): "cursor:",
		"user=bob": "user:", "actor=a&actor=b": "actor:", "target=" + strings.Repeat("x", 257): "target:",
	} {
		code, _, errText := auditAPIGet(t, base, siem, q)
		if code != http.StatusBadRequest || !strings.HasPrefix(errText, field) {
			t.Errorf("?%s: %d %q, want 400 naming %s", q, code, errText, field)
		}
	}
	if first.NextCursor == "" {
		t.Fatal("a full newest-first page without a cursor")
	}
	if code, _, errText := auditAPIGet(t, base, siem, "actor=bob&cursor="+url.QueryEscape(first.NextCursor)); code != 200 {
		t.Errorf("the cursor with its own filters: %d %s", code, errText)
	}

	if _, err := s.deps.Auth.CreateToken(context.Background(), auth.Local("test"), auth.TokenSpec{Name: "op-siem", Role: auth.RoleOperator, Scopes: []auth.Scope{auth.ScopeAuditRead}}); !errors.Is(err, auth.ErrScopeNeedsRole) {
		t.Errorf("an operator token with audit:read: %v, want ErrScopeNeedsRole", err)
	}
	grafana := scopedToken(t, s, "grafana", auth.RoleAdmin, auth.ScopeMetricsRead)
	operator := apiToken(t, s, "ops", auth.RoleOperator)
	admin := apiToken(t, s, "root", auth.RoleAdmin)
	viewer := signIn(t, s, "vera", auth.RoleViewer)
	for _, path := range []string{"/api/ward/audit", "/api/ward/audit/verify"} {
		for name, want := range map[string]int{"grafana": 403, "ops": 403, "root": 200, "siem": 200} {
			tok := map[string]string{"grafana": grafana, "ops": operator, "root": admin, "siem": siem}[name]
			if resp, body := doAs(t, "GET", base+path, tok, nil); resp.StatusCode != want {
				t.Errorf("%s with %s's token: %d, want %d: %s", path, name, resp.StatusCode, want, body)
			}
		}
		if resp, _ := doAs(t, "GET", base+path, "", viewer); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s for a viewer's session: %d, want 403", path, resp.StatusCode)
		}
	}
	for _, pattern := range []string{"GET /api/ward/audit", "GET /api/ward/audit/verify"} {
		if e := s.endpoints[pattern]; e.scope != auth.ScopeAuditRead || e.limit != apiRead || e.role != auth.RoleAdmin {
			t.Errorf("%s: scope %q, limit %v, role %v", pattern, e.scope, e.limit, e.role)
		}
	}
}

// TestAuditAPIVerify: the verification answers the chain's head, which
// checks as an anchor; a bad anchor is 400, a wrong one fails; the
// verification is audited.
func TestAuditAPIVerify(t *testing.T) {
	s, base, _ := startAuditAPIServer(t, 5, time.Now().Add(-time.Hour))
	siem := scopedToken(t, s, "siem", auth.RoleAdmin, auth.ScopeAuditRead)
	get := func(q string) (int, auditAPIVerify, string) {
		resp, body := doAs(t, "GET", base+"/api/ward/audit/verify"+q, siem, nil)
		var v auditAPIVerify
		_, errText := apiEnvelope(t, body, &v)
		return resp.StatusCode, v, errText
	}
	code, v, errText := get("")
	if code != 200 || !v.Valid || v.Records < 5 || !strings.HasPrefix(v.Head, fmt.Sprint(v.Last)+":") || !strings.HasPrefix(v.Summary, "audit chain OK") {
		t.Fatalf("verify: %d %q %+v", code, errText, v)
	}
	code, v2, _ := get("?anchor=" + url.QueryEscape(v.Head))
	if code != 200 || !v2.Valid || len(v2.Anchors) != 1 || !v2.Anchors[0].OK {
		t.Errorf("verify against its own head: %d %+v", code, v2)
	}
	wrong := fmt.Sprintf("%d:%s", v.Last, strings.Repeat("ab", 32))
	if code, v3, _ := get("?anchor=" + url.QueryEscape(wrong)); code != 200 || v3.Valid || v3.Problem == "" {
		t.Errorf("verify against a wrong anchor: %d %+v, want invalid with a problem", code, v3)
	}
	for q, field := range map[string]string{"?anchor=12": "anchor:", "?anchors=1:ab": "anchors:", "?anchor=" + strings.Repeat("1:"+strings.Repeat("ab", 32)+"&anchor=", 16) + "1:" + strings.Repeat("ab", 32): "anchor:"} {
		if code, _, errText := get(q); code != 400 || !strings.HasPrefix(errText, field) {
			t.Errorf("%s: %d %q, want 400 naming %s", q, code, errText, field)
		}
	}
	views, err := s.deps.AuditTrail.AuditPageQuery(audit.Query{Action: audit.ActionAuditView, Actor: "token:siem"}, storage.AuditPageOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(views.Records) != 3 || views.Records[0].Details["verify"] != "true" || views.Records[0].Details["valid"] != "false" || views.Records[2].Details["records"] == "" {
		t.Errorf("verification records %+v: want 3, newest valid=false", views.Records)
	}
}
