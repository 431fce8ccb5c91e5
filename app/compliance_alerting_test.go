package app

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/errkind"
	"github.com/ward-monitoring/ward/servicetest"
	"github.com/ward-monitoring/ward/storage"
)

const receiversDoc = `alerting:
  route:
    receiver: team
%s  receivers:
    - name: team
      webhook_configs: [{url: "http://127.0.0.1:9/team"}]
    - name: heartbeat
      webhook_configs: [{url: "http://127.0.0.1:9/beat"}]
    - name: quiet
`

// TestComplianceReceivers: receivers that never delivered fail; a
// success (a test counts: it is recorded the same way) within 30 days
// for each passes; 31 days on, they fail again.
func TestComplianceReceivers(t *testing.T) {
	r := newComplianceRig(t, fmt.Sprintf(receiversDoc, ""))
	wantIn(t, r.check("receivers-delivered", compliance.Fail), "0 of 2 receivers delivered", "heartbeat, team")
	for _, name := range []string{"team", "heartbeat"} {
		if err := r.state.AddDelivery(storage.Delivery{Time: r.now.Add(-time.Hour), Receiver: name, Integration: "webhook", Status: "success"}, 500); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.state.AddDelivery(storage.Delivery{Time: r.now, Receiver: "team", Integration: "webhook", Status: "failed"}, 500); err != nil {
		t.Fatal(err)
	}
	wantIn(t, r.check("receivers-delivered", compliance.Pass), "2 of 2 receivers delivered")
	r.now = r.now.Add(31 * 24 * time.Hour)
	r.check("receivers-delivered", compliance.Fail)
}

// TestComplianceWatchdog: unrouted (ward sends it nowhere) fails; routed
// to a receiver with a webhook passes; to one without integrations, or
// with the rule not loaded, fails.
func TestComplianceWatchdog(t *testing.T) {
	r := newComplianceRig(t, fmt.Sprintf(receiversDoc, ""))
	wantIn(t, r.check("watchdog-routed", compliance.Fail), "routed to watchdog-unrouted")
	r.load(fmt.Sprintf(receiversDoc, "    routes:\n      - {matchers: ['alertname=\"Watchdog\"'], receiver: heartbeat}\n"))
	wantIn(t, r.check("watchdog-routed", compliance.Pass), "routed to heartbeat")
	r.load(fmt.Sprintf(receiversDoc, "    routes:\n      - {matchers: ['alertname=\"Watchdog\"'], receiver: quiet}\n"))
	r.check("watchdog-routed", compliance.Fail)
	r.load(fmt.Sprintf(receiversDoc, "    routes:\n      - {matchers: ['alertname=\"Watchdog\"'], receiver: heartbeat}\n"))
	r.rules = []string{"TargetDown"}
	wantIn(t, r.check("watchdog-routed", compliance.Fail), "Watchdog not loaded")
}

// TestComplianceCertificates: no TLS is n/a; ward's certificate valid 60
// days passes, 5 days fails; a checked endpoint's certificate 3 days from
// expiry (its check's metric in the TSDB) fails.
func TestComplianceCertificates(t *testing.T) {
	r := newComplianceRig(t, "")
	r.check("tls-certificates", compliance.NA)
	tlsDoc := func(days int) string {
		c := servicetest.WriteCert(t, t.TempDir(), "ward", servicetest.CertOptions{Name: "ward", NotAfter: r.now.Add(time.Duration(days) * 24 * time.Hour)})
		return fmt.Sprintf("server:\n  tls: {cert_file: %s, key_file: %s}\n", c.CertFile, c.KeyFile)
	}
	r.load(tlsDoc(60))
	wantIn(t, r.check("tls-certificates", compliance.Pass), "1 certificates", "(ward (server.tls))")
	r.load(tlsDoc(5))
	wantIn(t, r.check("tls-certificates", compliance.Fail), "ward (server.tls) expires in 4d23h")
	r.load(tlsDoc(60))
	lbls := labels.FromStrings("__name__", "ward_check_tls_cert_expiry_seconds", "check", "shop", "job", "ward")
	left := 3 * 24 * time.Hour
	r.appendSeries(lbls, r.now.Add(-time.Minute), r.now, time.Minute, func(time.Time) float64 { return left.Seconds() })
	wantIn(t, r.check("tls-certificates", compliance.Fail), "2 certificates", "check shop expires in 3d")
}

// TestComplianceManualControl: a configured manual control fails until
// an admin attests it; the attestation needs a comment, is audited in
// its own record, and fails again once expired.
func TestComplianceManualControl(t *testing.T) {
	r := newComplianceRig(t, "compliance:\n  manual:\n    - {id: privacy-policy, title: Privacy policy reviewed, labels: [GDPR 13], valid_for: 30d}\n")
	wantIn(t, r.check("privacy-policy", compliance.Fail), "not attested")
	ctx := context.Background()
	if _, err := r.svc.Attest(ctx, "privacy-policy", "ada", "192.0.2.1", "  ", time.Time{}); !isKind(err, errkind.Invalid) {
		t.Errorf("empty comment: %v, want invalid", err)
	}
	if _, err := r.svc.Attest(ctx, "privacy-policy", "ada", "192.0.2.1", "ok", r.now.Add(3*365*24*time.Hour)); !isKind(err, errkind.Invalid) {
		t.Errorf("3 years: %v, want invalid", err)
	}
	if _, err := r.svc.Attest(ctx, "admins-2fa", "ada", "192.0.2.1", "ok", time.Time{}); !errors.Is(err, compliance.ErrNotManual) {
		t.Errorf("attesting a built-in control: %v", err)
	}
	a, err := r.svc.Attest(ctx, "privacy-policy", "ada", "192.0.2.1", "Reviewed with legal, ticket LEG-12", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	e := r.check("privacy-policy", compliance.Manual)
	wantIn(t, e, "attested by ada until "+r.now.Add(30*24*time.Hour).UTC().Format("2006-01-02"))
	recs, err := r.state.AuditQuery(audit.Query{Action: audit.ActionComplianceAttest}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Seq != a.AuditSeq || recs[0].Target != "privacy-policy" || recs[0].Actor != "ada" || recs[0].Details["comment"] != "Reviewed with legal, ticket LEG-12" {
		t.Errorf("audit records %+v, attestation at #%d", recs, a.AuditSeq)
	}
	if res, err := r.state.VerifyAudit(r.now); err != nil || !res.Valid {
		t.Errorf("chain after the attestation: %v %+v", err, res)
	}
	r.now = r.now.Add(31 * 24 * time.Hour)
	wantIn(t, r.check("privacy-policy", compliance.Fail), "attestation expired")
	if got, want := len(r.svc.Controls()), len(compliance.BuiltinIDs())+1; got != want {
		t.Errorf("%d controls, want %d", got, want)
	}
}

func isKind(err error, k errkind.Kind) bool {
	got, _ := errkind.Of(err)
	return err != nil && got == k
}
