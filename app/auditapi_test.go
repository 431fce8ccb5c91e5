package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/compliance/evidencepack"
	"github.com/ward-monitoring/ward/storage"
)

// getJSON sends GET u with c and decodes the data of the API envelope.
func getJSON(tb testing.TB, c *http.Client, u string, data any) int {
	tb.Helper()
	resp, err := c.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Status string
		Data   json.RawMessage
	}
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &env); err != nil {
		tb.Fatalf("GET %s: %d, not the API envelope: %s", u, resp.StatusCode, body)
	}
	if env.Status == "success" && data != nil {
		if err := json.Unmarshal(env.Data, data); err != nil {
			tb.Fatal(err)
		}
	}
	return resp.StatusCode
}

// TestAuditTrailAPIWithToken: a SIEM's token (admin, audit:read) pulls
// the whole trail oldest first through the cursor, can check that the
// records chain, and reads the verification; a metrics:read token is
// refused; the reads are audited.
func TestAuditTrailAPIWithToken(t *testing.T) {
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\n"+noTwoFactor)
	siem := tokenClient(scopedToken(t, in, auth.TokenSpec{Name: "siem", Role: auth.RoleAdmin, Scopes: []auth.Scope{auth.ScopeAuditRead}}))
	grafana := tokenClient(scopedToken(t, in, auth.TokenSpec{Name: "grafana", Role: auth.RoleAdmin, Scopes: []auth.Scope{auth.ScopeMetricsRead}}))

	type page struct {
		Records    []audit.Record `json:"records"`
		NextCursor string         `json:"next_cursor"`
		More       bool           `json:"more"`
	}
	var all []audit.Record
	cursor := ""
	for range 100 {
		u := in.base + "/api/ward/audit?order=asc&limit=2"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		var p page
		if code := getJSON(t, siem, u, &p); code != http.StatusOK {
			t.Fatalf("GET %s: %d", u, code)
		}
		all = append(all, p.Records...)
		cursor = p.NextCursor
		if !p.More {
			break
		}
	}
	if len(all) < 3 {
		t.Fatalf("read %d records, want the setup's and the tokens' (3 or more)", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq != all[i-1].Seq+1 || !bytes.Equal(all[i].Prev, all[i-1].Hash) {
			t.Fatalf("record #%d does not follow #%d in the chain", all[i].Seq, all[i-1].Seq)
		}
	}
	var v struct {
		Valid   bool
		Records int
		Head    string
	}
	if code := getJSON(t, siem, in.base+"/api/ward/audit/verify", &v); code != http.StatusOK || !v.Valid || v.Records < len(all) {
		t.Errorf("verify: %d %+v", code, v)
	}
	for _, path := range []string{"/api/ward/audit", "/api/ward/audit/verify"} {
		if code := getJSON(t, grafana, in.base+path, nil); code != http.StatusForbidden {
			t.Errorf("%s with a metrics:read token: %d, want 403", path, code)
		}
	}
	views, err := in.app.state.AuditQuery(audit.Query{Action: audit.ActionAuditView, Actor: "token:siem"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(views) < 3 || views[0].Details["verify"] != "true" || views[1].Details["via"] != "api" || views[1].Details["records"] == "" {
		t.Errorf("the API's reads were not audited with their counts: %+v", views)
	}
}

// TestEvidencePackDownload: an admin downloads the pack from
// /compliance/evidence-pack.zip; it verifies under the running ward's
// key and holds the stored evidence; the download is audited as
// compliance.report and data.read.
func TestEvidencePackDownload(t *testing.T) {
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\n"+noTwoFactor)
	at := time.Now().Add(-time.Hour)
	js, _ := json.Marshal(compliance.Evidence{Control: "admins-2fa", Status: compliance.Fail, Value: "1 of 2 admins", Checked: at})
	if err := in.app.state.AppendEvidence([]storage.EvidenceRecord{{Control: "admins-2fa", At: at, JSON: js}}); err != nil {
		t.Fatal(err)
	}
	ada := signInClient(t, in, "ada")
	resp, err := ada.Get(in.base + "/compliance/evidence-pack.zip")
	if err != nil {
		t.Fatal(err)
	}
	pack, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	_, keys, err := in.app.packs.packKeys()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := evidencepack.Verify(bytes.NewReader(pack), int64(len(pack)), keys)
	if err != nil || !rep.OK || rep.Manifest.GeneratedBy != "ada" {
		t.Fatalf("the downloaded pack: %+v %v", rep, err)
	}
	// The running checker appends evidence of its own: the pack holds
	// what was stored when it was made, the appended record among it.
	var stored int
	var ours bool
	if err := in.app.state.EvidenceRange("", time.Time{}, rep.Manifest.To, func(r storage.EvidenceRecord) error {
		stored++
		ours = ours || r.At.Equal(at) && r.Control == "admins-2fa"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !ours {
		t.Fatal("the evidence record the test appended is not stored")
	}
	want := strconv.Itoa(stored)
	for _, action := range []string{audit.ActionComplianceReport, audit.ActionDataRead} {
		recs, err := in.app.state.AuditQuery(audit.Query{Action: action, Actor: "ada"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Target != "download" || recs[0].Details["evidence"]+recs[0].Details["records"] != want {
			t.Errorf("%s records %+v: want one by ada, %s evidence records (as stored)", action, recs, want)
		}
	}
}
