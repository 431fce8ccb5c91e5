package app

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/servicetest"
)

// waitEvidence waits until ward's checker has recorded evidence of every
// control (it checks all at start).
func waitEvidence(tb testing.TB, in *instance) []compliance.Item {
	tb.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		items, err := in.app.compliance.Checklist(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		done := true
		for _, it := range items {
			done = done && it.Latest != nil
		}
		if done {
			return items
		}
		if time.Now().After(deadline) {
			tb.Fatalf("controls without evidence after a minute: %+v", items)
		}
	}
}

// TestComplianceInWard: a running ward checks every control at start,
// its real route table passes api-rate-limits, /metrics exports each
// control's status, and /compliance on a 390 px phone lists the
// controls with the disclaimer, passes axe and fits; an admin attests a
// manual control through the form; a viewer has neither link nor page.
func TestComplianceInWard(t *testing.T) {
	in := startWard(t, noTwoFactor+`
compliance:
  manual:
    - {id: legal-review, title: Legal review completed, requirement: GDPR compliance confirmed, labels: [GDPR 32(1)(d)]}
`)
	items := waitEvidence(t, in)
	status := map[string]compliance.Status{}
	for _, it := range items {
		status[it.Control.ID] = it.Status
	}
	if status["api-rate-limits"] != compliance.Pass || status["session-policy"] != compliance.Pass || status["legal-review"] != compliance.Fail {
		t.Errorf("statuses in a fresh ward: %v", status)
	}
	resp, err := in.client.Get(in.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`ward_compliance_control_status{control="api-rate-limits"} 1`, `ward_compliance_control_status{control="legal-review"} 0`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	phone := browserPage{t, signInBrowser(t, in, "ada", auth.RoleAdmin, 390)}
	phone.open(in.base + "/compliance")
	servicetest.Axe(t, phone.ctx, "/compliance")
	servicetest.NoSidewaysScroll(t, phone.ctx, "/compliance")
	text := phone.text("main")
	for _, want := range []string{"planning aids, not audit advice", "failing", "A rate limit on every API route", "Legal review completed", "GDPR 32(1)(d)"} {
		if !strings.Contains(text, want) {
			t.Errorf("/compliance lacks %q:\n%s", want, text)
		}
	}
	if phone.count(`header nav a[href="/compliance"]`) != 1 {
		t.Error("no Compliance link in an admin's navigation")
	}
	phone.open(in.base + "/compliance/api-rate-limits")
	servicetest.Axe(t, phone.ctx, "/compliance/api-rate-limits")
	servicetest.NoSidewaysScroll(t, phone.ctx, "/compliance/api-rate-limits")
	if text := phone.text("main"); !strings.Contains(text, "API routes limited") || !strings.Contains(text, "Audit chain") {
		t.Errorf("evidence page:\n%s", text)
	}
	phone.open(in.base + "/compliance/legal-review")
	servicetest.Axe(t, phone.ctx, "/compliance/legal-review (attest form)")
	servicetest.NoSidewaysScroll(t, phone.ctx, "/compliance/legal-review")
	phone.do("attesting",
		chromedp.SendKeys(chromedp.CSS(`#attest-comment`), "Reviewed by counsel, ticket LEG-7"),
		chromedp.Click(chromedp.CSS(`form[action="/compliance/legal-review/attest"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice[role=status]`)),
	)
	if text := phone.text("main"); !strings.Contains(text, "Attestation recorded.") || !strings.Contains(text, "attested by ada") || !strings.Contains(text, "ticket LEG-7") {
		t.Errorf("after attesting:\n%s", text)
	}

	viewer := browserPage{t, signInBrowser(t, in, "vic", auth.RoleViewer, 390)}
	viewer.open(in.base + "/")
	if viewer.count(`a[href="/compliance"]`) != 0 {
		t.Error("a viewer sees the Compliance link")
	}
	viewer.do("opening /compliance", chromedp.Navigate(in.base+"/compliance"), chromedp.WaitVisible(chromedp.CSS(`main#main`)))
	if st := viewer.status(); st != 403 {
		t.Errorf("a viewer's /compliance: %d, want 403", st)
	}
	op := browserPage{t, signInBrowser(t, in, "olga", auth.RoleOperator, 390)}
	op.open(in.base + "/compliance/legal-review")
	if op.count(`#attest-comment`) != 0 {
		t.Error("an operator is offered the attestation form")
	}
}
