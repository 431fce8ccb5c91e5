package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/errkind"
	"github.com/ward-monitoring/ward/storage"
)

// firstAppend is the state as the checker's store, stopping the checker
// (cancel) at its first append of evidence and keeping which controls
// that append held.
type firstAppend struct {
	*storage.State
	cancel   context.CancelFunc
	controls []string
}

func (f *firstAppend) AppendEvidence(recs []storage.EvidenceRecord) error {
	if f.controls == nil {
		for _, r := range recs {
			f.controls = append(f.controls, r.Control)
		}
		f.cancel()
	}
	return f.State.AppendEvidence(recs)
}

// TestComplianceChecksAllAtStart: the checker's first pass checks every
// control, even those whose newest evidence is within its interval: that
// evidence may describe the ward before a restart or a setup.
func TestComplianceChecksAllAtStart(t *testing.T) {
	r := newComplianceRig(t, "")
	for _, id := range compliance.BuiltinIDs() {
		if id != "admins-2fa" {
			appendEvidence(t, r.state, compliance.Evidence{Control: id, Status: compliance.Fail, Checked: r.now.Add(-time.Minute)})
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := &firstAppend{State: r.state, cancel: cancel}
	svc := compliance.New(compliance.Options{Facts: r.facts, Store: store, Now: func() time.Time { return r.now }})
	if err := svc.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := len(store.controls), len(compliance.BuiltinIDs()); got != want {
		t.Errorf("the first pass checked %d controls (%v), want all %d", got, store.controls, want)
	}
}

// TestComplianceCheckNow: "Check now" checks every control at once,
// appends the evidence, and records compliance.check by who pressed it.
func TestComplianceCheckNow(t *testing.T) {
	r := newComplianceRig(t, "")
	r.addUser("ada", "admin", true, r.now)
	sum, err := r.svc.CheckNow(context.Background(), "olga", "192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	latest, err := r.state.LatestEvidence()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range compliance.BuiltinIDs() {
		if _, ok := latest[id]; !ok {
			t.Errorf("%s: no evidence after Check now", id)
		}
	}
	recs, err := r.state.AuditQuery(audit.Query{Action: audit.ActionComplianceCheck}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Actor != "olga" || recs[0].ActorIP != "192.0.2.7" || recs[0].Details["controls"] != "16" || sum.Total != 16 {
		t.Errorf("compliance.check records %+v, summary %+v", recs, sum)
	}
}

// TestComplianceAttestWithinValidFor: an attestation may not outlive its
// control's valid_for; the error names the field and the limit.
func TestComplianceAttestWithinValidFor(t *testing.T) {
	r := newComplianceRig(t, "compliance:\n  manual:\n    - {id: legal-review, title: Legal review, valid_for: 365d}\n")
	ctx := context.Background()
	_, err := r.svc.Attest(ctx, "legal-review", "ada", "192.0.2.1", "reviewed", r.now.Add(2*365*24*time.Hour))
	var ek *errkind.Error
	if !errors.As(err, &ek) || ek.Kind() != errkind.Invalid || !strings.HasPrefix(ek.ClientMessage(), "expires: ") || !strings.Contains(ek.ClientMessage(), "365d") {
		t.Fatalf("two years with valid_for 365d: %v, want an invalid expires naming 365d", err)
	}
	// The form's default, the end of the day valid_for from now, passes.
	d := r.now.UTC().Add(365 * 24 * time.Hour)
	end := time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, time.UTC)
	if _, err := r.svc.Attest(ctx, "legal-review", "ada", "192.0.2.1", "reviewed", end); err != nil {
		t.Fatalf("the end of the day valid_for from now: %v", err)
	}
	if _, err := r.svc.Attest(ctx, "legal-review", "ada", "192.0.2.1", "reviewed", end.Add(time.Second)); err == nil {
		t.Fatal("a second past the last day passed")
	}
}
