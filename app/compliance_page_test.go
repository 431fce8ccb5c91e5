package app

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestCompliancePageCheckNow: on /compliance at a desktop width the
// headline counts pass, n/a and attested apart; status badges keep one
// line's height beside titles of several lines; hints show commands as
// code and link ward's documentation, whose sections exist; intervals
// read "15 min"; and an operator's "Check now" checks every control,
// says so, and is audited.
func TestCompliancePageCheckNow(t *testing.T) {
	in := startWard(t, noTwoFactor)
	items := waitEvidence(t, in)
	sum := compliance.Summarize(items)
	if sum.NA == 0 {
		t.Fatalf("a fresh ward has no n/a control, so the headline test proves nothing: %+v", sum)
	}
	op := browserPage{t, signInBrowser(t, in, "olga", auth.RoleOperator, 1100)}
	op.open(in.base + "/compliance")
	servicetest.Axe(t, op.ctx, "/compliance (desktop)")
	head := op.text("#compliance-summary")
	for _, want := range []string{strconv.Itoa(sum.Pass) + " pass", strconv.Itoa(sum.NA) + " n/a", strconv.Itoa(sum.Failing) + " failing"} {
		if !strings.Contains(head, want) {
			t.Errorf("headline %q lacks %q", head, want)
		}
	}
	// Badges: one line high, however many lines the title beside takes.
	tall := op.eval(`[...document.querySelectorAll(".tile h3 > .tag")].filter(t => t.getBoundingClientRect().height > 2.2 * parseFloat(getComputedStyle(t).fontSize)).map(t => t.closest("article").id + ":" + Math.round(t.getBoundingClientRect().height)).join(" ")`)
	if tall != "" {
		t.Errorf("status badges taller than one line: %s", tall)
	}
	if op.count(".tile h3 > .tag") != len(items) {
		t.Errorf("%d badges for %d controls", op.count(".tile h3 > .tag"), len(items))
	}
	// Hints: the audit chain's (warn: no anchor) names a command.
	if text := op.text("main"); strings.Contains(text, "`") {
		t.Errorf("raw backticks on /compliance:\n%s", text)
	}
	if op.count(`#control-audit-chain code`) == 0 {
		t.Error("the audit chain's hint shows no code")
	}
	if op.count(`#control-backup-jobs a[href="/docs#backups"]`) == 0 {
		t.Error("the backup jobs' hint does not link the Backups section")
	}
	anchors := strings.Split(op.eval(`[...new Set([...document.querySelectorAll('main a[href^="/docs#"]')].map(a => a.getAttribute("href").slice(6)))].join(" ")`), " ")
	if len(anchors) < 8 {
		t.Errorf("links to the docs from /compliance: %v", anchors)
	}
	op.open(in.base + "/compliance/api-rate-limits")
	if text := op.text("main"); !strings.Contains(text, "15 min") || strings.Contains(text, "15m0s") {
		t.Errorf("the interval as people read it:\n%s", text)
	}
	for _, a := range append(anchors, "configuration", "identity-and-access", "rate-limits") {
		if a == "" {
			continue
		}
		op.open(in.base + "/docs")
		if op.count("#"+a) != 1 {
			t.Errorf("/docs has no section #%s", a)
		}
	}

	op.open(in.base + "/compliance")
	op.clickNav("Check now", `form[action="/compliance/check"] button`)
	if text := op.text("main"); !strings.Contains(text, "Every control was checked just now.") {
		t.Errorf("after Check now:\n%s", text)
	}
	recs, err := in.app.state.AuditQuery(audit.Query{Action: audit.ActionComplianceCheck}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Actor != "olga" || recs[0].Details["controls"] != strconv.Itoa(len(items)) {
		t.Errorf("compliance.check records: %+v", recs)
	}
}

// TestEvidenceReportTable: report.html of a downloaded pack, in a
// browser at a desktop width: no status, nor its column's heading, is
// broken over two lines.
func TestEvidenceReportTable(t *testing.T) {
	in := startWard(t, noTwoFactor)
	waitEvidence(t, in)
	ada := signInClient(t, in, "ada")
	resp, err := ada.Get(in.base + "/compliance/evidence-pack.zip")
	if err != nil {
		t.Fatal(err)
	}
	pack, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	report := unzipFile(t, pack, "report.html")
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, report, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
		t.Fatal(err)
	}
	p := browserPage{t, ctx}
	n := p.count("tbody tr")
	if n == 0 {
		t.Fatal("no rows in the report")
	}
	broken := p.eval(`[...document.querySelectorAll("thead th:nth-child(2), tbody td:nth-child(2) > span:first-child")].filter(e => { const r = document.createRange(); r.selectNodeContents(e); return r.getClientRects().length > 1 }).map(e => e.textContent).join(" ")`)
	if broken != "" {
		t.Errorf("statuses broken over lines in report.html: %s", broken)
	}
}

// unzipFile is the file name of the zip z.
func unzipFile(tb testing.TB, z []byte, name string) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		tb.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
