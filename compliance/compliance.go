// Package compliance owns ward's live control checklist (issue 14):
// requirements mapped to controls, each control's automated check, and
// the evidence each check leaves, appended to the state database and
// kept EvidenceRetention. Manual controls are attested by an admin. The
// labels that map controls to SOC 2 and GDPR Art. 32 are planning aids,
// not audit advice.
package compliance

import (
	"time"

	"github.com/ward-monitoring/ward/storage"
)

// EvidenceRetention is how long evidence is kept.
const EvidenceRetention = storage.EvidenceRetention

// Status is the outcome of one check of a control.
type Status string

// The statuses. Stale (a result older than the control's interval)
// counts as failing, as does a manual control with no valid
// attestation.
const (
	Pass   Status = "pass"
	Fail   Status = "fail"
	Warn   Status = "warn"
	Stale  Status = "stale"
	NA     Status = "n/a"
	Manual Status = "manual"
)

// Failing says whether s counts as a failing control.
func (s Status) Failing() bool { return s == Fail || s == Stale }

// Source links evidence to what it was read from.
type Source struct {
	// Kind is audit, metric, backup_run, drill, config, check, user,
	// route or attestation.
	Kind string `json:"kind"`
	// Ref names the source: an audit sequence number, a PromQL
	// expression, a run id, a configuration path.
	Ref string `json:"ref"`
	// URL opens the source in ward's UI ("/backups/runs/ID"), if any.
	URL string `json:"url,omitempty"`
}

// Result is what a control's check found.
type Result struct {
	Status Status
	// Value is what was measured and Threshold what it must meet, both
	// as people read them ("2 of 3 admins", "100%").
	Value     string
	Threshold string
	// Detail says what to do when the control fails, in one sentence.
	Detail  string
	Sources []Source
}

// Control is one control of the checklist.
type Control struct {
	// ID is stable and short ("admins-2fa"): it keys evidence and is
	// the metric's control label.
	ID string
	// Title says what the control asserts; Requirement is the plan's
	// release gate it serves.
	Title       string
	Requirement string
	// Labels map the control to SOC 2 CC and GDPR Art. 32 ids
	// ("SOC2 CC6.1", "GDPR 32(1)(b)").
	Labels []string
	// Interval is how often the check runs; a result older than it is
	// stale.
	Interval time.Duration
	// Manual controls are attested by an admin, not checked.
	Manual bool
	// ValidFor is a manual control's default attestation lifetime.
	ValidFor time.Duration
	// Docs links to the section of ward's documentation (the README,
	// served at /docs with an id on each heading) that says how to meet
	// the control: "/docs#backups".
	Docs string
}

// Evidence is one stored result of a control's check.
type Evidence struct {
	Control   string    `json:"control"`
	Status    Status    `json:"status"`
	Value     string    `json:"value,omitempty"`
	Threshold string    `json:"threshold,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Checked   time.Time `json:"checked"`
	Sources   []Source  `json:"sources,omitempty"`
	// AuditSeq and AuditHead are the audit chain's head when the
	// evidence was recorded (audit.Anchor's text), placing it in the
	// chain's order.
	AuditSeq  uint64 `json:"audit_seq"`
	AuditHead string `json:"audit_head,omitempty"`
}

// Attestation is an admin's statement that a manual control holds.
type Attestation struct {
	Control string    `json:"control"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Comment string    `json:"comment"`
	Expires time.Time `json:"expires"`
	// AuditSeq is the compliance.attest record's sequence number.
	AuditSeq uint64 `json:"audit_seq,omitempty"`
}
