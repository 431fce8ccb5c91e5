package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// validSilence is a silence Alertmanager accepts, as amtool writes it;
// extra is spliced in before the closing brace.
func validSilence(extra string) string {
	now := time.Now().UTC()
	return `{"matchers":[{"name":"alertname","value":"X","isRegex":false,"isEqual":true}],` +
		`"startsAt":"` + now.Format(time.RFC3339) + `","endsAt":"` + now.Add(time.Hour).Format(time.RFC3339) + `",` +
		`"createdBy":"mallory","comment":"maintenance"` + extra + `}`
}

// post sends body with a bearer token and a Content-Type.
func post(tb testing.TB, u, token, contentType, body string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return send(tb, req)
}

// auditRecords returns the records of action, newest first.
func auditRecords(tb testing.TB, s *Server, action string) []audit.Record {
	tb.Helper()
	recs, err := s.deps.AuditLog.Records(context.Background(), "test", "", audit.Query{Action: action})
	if err != nil {
		tb.Fatal(err)
	}
	return recs
}

// silenceCount returns how many silences Alertmanager holds.
func silenceCount(tb testing.TB, base, token string) int {
	tb.Helper()
	resp, body := doAs(tb, "GET", base+"/api/v2/silences", token, nil)
	var sils []json.RawMessage
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &sils) != nil {
		tb.Fatalf("listing silences: %d %s", resp.StatusCode, body)
	}
	return len(sils)
}

// TestSilenceRefused: anything but exactly one valid silence is refused
// with 400 in Alertmanager's error shape (a JSON string, which amtool
// prints), creates nothing, and leaves an audit record of the refusal.
// Before, a body with trailing data failed ward's own decoding and went
// to Alertmanager unchanged, which accepted it unaudited and with the
// client's createdBy; a lower-case "createdby" beat ward's override.
func TestSilenceRefused(t *testing.T) {
	s, base := startServer(t, discardLogger())
	operator := apiToken(t, s, "oncall", auth.RoleOperator)
	for _, tc := range []struct {
		name, body, contentType string
		status                  int
		reason                  string
	}{
		{"trailing garbage", validSilence("") + "garbage", "application/json", 400, "unexpected data after the object"},
		{"two silences", validSilence("") + validSilence(""), "application/json", 400, "unexpected data after the object"},
		{"createdby in lower case beside createdBy", validSilence(`,"createdby":"mallory"`), "application/json", 400, `key "createdby" differs from "createdBy" only in case`},
		{"createdBy twice", validSilence(`,"createdBy":"mallory"`), "application/json", 400, `key "createdBy" given twice`},
		{"createdBy in another case alone", strings.Replace(validSilence(""), `"createdBy"`, `"CreatedBy"`, 1), "application/json", 400, `key "CreatedBy" differs from "createdBy" only in case`},
		{"unknown key", validSilence(`,"owner":"mallory"`), "application/json", 400, `unknown key "owner"`},
		{"matcher key in another case", strings.Replace(validSilence(""), `"isRegex"`, `"IsRegex"`, 1), "application/json", 400, `matchers[0]: key "IsRegex" differs`},
		{"matcher not an object", strings.Replace(validSilence(""), `"matchers":[{`, `"matchers":[null,{`, 1), "application/json", 400, "matchers[0]: want a JSON object"},
		{"comment missing", strings.Replace(validSilence(""), `,"comment":"maintenance"`, "", 1), "application/json", 400, "comment in body is required"},
		{"bad date", strings.Replace(validSilence(""), `"startsAt":"`, `"startsAt":"yesterday`, 1), "application/json", 400, "parsing time"},
		{"wrong type", strings.Replace(validSilence(""), `"comment":"maintenance"`, `"comment":7`, 1), "application/json", 400, "cannot unmarshal number"},
		{"not JSON", "createdBy=mallory", "application/json", 400, "invalid character"},
		{"not declared JSON", validSilence(""), "text/plain", 415, "want Content-Type: application/json"},
		{"too large", validSilence(`,"annotations":{"a":"` + strings.Repeat("x", maxSilenceBody) + `"}`), "application/json", 413, "request body larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, base+"/api/v2/silences", operator, tc.contentType, tc.body)
			var msg string
			if resp.StatusCode != tc.status || json.Unmarshal([]byte(body), &msg) != nil || !strings.Contains(msg, tc.reason) {
				t.Errorf("%d %s, want %d with a JSON string saying %q", resp.StatusCode, body, tc.status, tc.reason)
			}
			if n := silenceCount(t, base, operator); n != 0 {
				t.Errorf("%d silences exist, want none", n)
			}
			recs := auditRecords(t, s, audit.ActionSilenceCreate)
			if len(recs) == 0 {
				t.Fatal("refusal not audited")
			}
			r := recs[0]
			if r.Actor != "token:oncall" || r.Outcome != audit.Failure || !strings.Contains(r.Details["reason"], tc.reason) {
				t.Errorf("audit record %+v, want a failure by token:oncall saying %q", r, tc.reason)
			}
		})
	}
}

// TestSilenceCreatedBySession: a silence posted by a signed-in user
// names that user, whatever createdBy says, and its record names the
// silence, its matchers and comment.
func TestSilenceCreatedBySession(t *testing.T) {
	s, base := startServer(t, discardLogger())
	cookie := signIn(t, s, "olivia", auth.RoleOperator)
	req, _ := http.NewRequest("POST", base+"/api/v2/silences", strings.NewReader(validSilence("")))
	req.AddCookie(cookie)
	req.Header.Set("Content-Type", "application/json")
	resp, out := send(t, req)
	var created struct{ SilenceID string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(out), &created) != nil || created.SilenceID == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	_, got := doAs(t, "GET", base+"/api/v2/silence/"+created.SilenceID, "", cookie)
	var sil models.GettableSilence
	if err := json.Unmarshal([]byte(got), &sil); err != nil || sil.CreatedBy == nil || *sil.CreatedBy != "olivia" {
		t.Fatalf("silence %s, want createdBy olivia", got)
	}
	recs := auditRecords(t, s, audit.ActionSilenceCreate)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	r := recs[0]
	if r.Actor != "olivia" || r.Target != created.SilenceID || r.Outcome != audit.Success ||
		r.Details["matchers"] != `{alertname="X"}` || r.Details["comment"] != "maintenance" {
		t.Errorf("record %+v", r)
	}
}

// TestSilenceExpireAudited: expiry is audited whatever its outcome, and
// only a UUID reaches Alertmanager.
func TestSilenceExpireAudited(t *testing.T) {
	s, base := startServer(t, discardLogger())
	operator := apiToken(t, s, "oncall", auth.RoleOperator)
	for _, tc := range []struct {
		id     string
		status int
	}{
		{"not-a-uuid", http.StatusUnprocessableEntity},
		{"7a1c0ee6-9f0d-4a8e-9f5e-3c3c2b6f8d11", http.StatusNotFound},
	} {
		resp, body := doAs(t, "DELETE", base+"/api/v2/silence/"+tc.id, operator, nil)
		if resp.StatusCode != tc.status {
			t.Errorf("DELETE %s: %d %s, want %d", tc.id, resp.StatusCode, body, tc.status)
		}
		recs := auditRecords(t, s, audit.ActionSilenceExpire)
		if len(recs) == 0 || recs[0].Target != tc.id || recs[0].Outcome != audit.Failure || recs[0].Details["status"] != strconv.Itoa(tc.status) {
			t.Errorf("DELETE %s: records %+v, want a failure for it with status %d", tc.id, recs, tc.status)
		}
	}
}

// FuzzDecodeSilence: whatever the body, decodeSilence does not panic, and
// what it accepts is one JSON object whose keys are Alertmanager's,
// each once, that Alertmanager's own decoder reads the same way, and that
// survives ward's rebuilding with another author.
func FuzzDecodeSilence(f *testing.F) {
	for _, seed := range []string{
		validSilence(""),
		validSilence(`,"id":"7a1c0ee6-9f0d-4a8e-9f5e-3c3c2b6f8d11"`),
		validSilence(`,"annotations":{"ticket":"OPS-1","Ticket":"ops-1"}`),
		validSilence("") + "garbage",
		validSilence("") + validSilence(""),
		validSilence(`,"createdby":"mallory"`),
		validSilence(`,"createdBy":"mallory"`),
		strings.Replace(validSilence(""), `"matchers"`, `"matcherſ"`, 1),
		`{"matchers":null}`,
		`[]`, `null`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		sil, err := decodeSilence(context.Background(), raw)
		if err != nil {
			return
		}
		if !json.Valid(raw) {
			t.Fatalf("accepted invalid or trailing JSON: %q", raw)
		}
		// Top-level keys: Alertmanager's, each once.
		dec := json.NewDecoder(bytes.NewReader(raw))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			t.Fatalf("accepted a non-object: %q", raw)
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, _ := dec.Token()
			key := tok.(string)
			if !silenceFields[key] || seen[key] {
				t.Fatalf("accepted key %q (repeated: %v): %q", key, seen[key], raw)
			}
			seen[key] = true
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatal(err)
			}
		}
		// Alertmanager's JSON consumer decodes with a json.Decoder.
		var theirs models.PostableSilence
		if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&theirs); err != nil {
			t.Fatalf("Alertmanager's decoding fails where ward's passed: %v", err)
		}
		ours, _ := json.Marshal(sil)
		want, _ := json.Marshal(&theirs)
		if !bytes.Equal(ours, want) {
			t.Fatalf("ward decodes %s, Alertmanager %s", ours, want)
		}
		// The rebuilt body passes again, with the new author.
		author := "token:fuzz"
		sil.CreatedBy = &author
		rebuilt, err := json.Marshal(sil)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeSilence(context.Background(), rebuilt)
		if err != nil || *again.CreatedBy != author {
			t.Fatalf("rebuilt body %s: %v", rebuilt, err)
		}
	})
}
