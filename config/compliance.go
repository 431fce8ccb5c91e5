package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Compliance configures the live control checklist (section
// `compliance:`, issue 14): the policy some built-in controls check
// against, anchors of the audit chain kept outside ward, and the manual
// controls an admin attests.
type Compliance struct {
	// Require2FARoles are the roles of which every active user must have
	// two-factor authentication enrolled (control admins-2fa).
	Require2FARoles []string `yaml:"require_2fa_roles"`
	// InactiveAfter: an enabled account not signed in for this long
	// fails control inactive-accounts.
	InactiveAfter model.Duration `yaml:"inactive_after"`
	// AuditAnchors are heads of the audit chain copied outside this
	// host (SEQ:HASH, as ward logs them every hour): control audit-chain
	// verifies the chain against them. Without any it can only warn.
	AuditAnchors []string `yaml:"audit_anchors,omitempty"`
	// Manual are the controls an admin attests on /compliance.
	Manual []ManualControl `yaml:"manual,omitempty"`
}

// ManualControl is a control no check can decide ("privacy policy
// updated"): it passes while an admin's attestation of it is valid.
type ManualControl struct {
	// ID is short, lower-case and stable: it keys the attestation and
	// the evidence.
	ID          string `yaml:"id"`
	Title       string `yaml:"title"`
	Requirement string `yaml:"requirement,omitempty"`
	// Labels map it to SOC 2 CC or GDPR Art. 32 ids: planning aids.
	Labels []string `yaml:"labels,omitempty"`
	// ValidFor is an attestation's default lifetime.
	ValidFor model.Duration `yaml:"valid_for,omitempty"`
}

// Bounds of the compliance section.
const (
	minInactiveAfter = 24 * time.Hour
	maxInactiveAfter = 400 * 24 * time.Hour
	// MaxAttestation is the longest an attestation may stay valid.
	MaxAttestation       = 2 * 365 * 24 * time.Hour
	defaultAttestation   = 365 * 24 * time.Hour
	maxManualControls    = 100
	maxControlLabels     = 10
	maxControlTextLength = 200
	maxAuditAnchors      = 16
)

// ReservedControlIDs are the ids of the built-in controls (package
// compliance's), which a manual control may not take. They are repeated
// here so that config does not import compliance; a test there keeps the
// two lists equal.
var ReservedControlIDs = []string{
	"admins-2fa", "inactive-accounts", "session-policy", "api-rate-limits",
	"audit-chain", "retention", "backup-jobs", "backup-rpo", "restore-drill",
	"backup-retention", "tls-certificates", "secrets-encrypted",
	"datadir-permissions", "receivers-delivered", "watchdog-routed",
	"ward-self-backup",
}

var (
	controlIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	// anchorRE is audit.ParseExternal's SEQ:HASH (hex or base64 hash),
	// checked here without importing the audit package.
	anchorRE = regexp.MustCompile(`^(v1:)?[0-9]{1,20}:([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$`)
)

// DefaultCompliance returns the compliance defaults: 2FA for every admin,
// accounts unused for 90 days flagged, no anchors, no manual controls.
func DefaultCompliance() Compliance {
	return Compliance{
		Require2FARoles: []string{"admin"},
		InactiveAfter:   model.Duration(90 * 24 * time.Hour),
	}
}

// Lifetime is m's attestation lifetime, its default when unset.
func (m ManualControl) Lifetime() time.Duration {
	if m.ValidFor == 0 {
		return defaultAttestation
	}
	return time.Duration(m.ValidFor)
}

// problems checks the compliance section, each problem under its key.
func (c Compliance) problems() []fieldError {
	v := &pathValidator{path: "compliance"}
	seen := map[string]bool{}
	for i, r := range c.Require2FARoles {
		key := fmt.Sprintf("require_2fa_roles[%d]", i)
		switch {
		case !slices.Contains(limitRoles, r):
			v.add(key, "unknown role %q: want viewer, operator or admin", r)
		case seen[r]:
			v.add(key, "%q listed twice", r)
		}
		seen[r] = true
	}
	durationRange(v, "inactive_after", c.InactiveAfter, minInactiveAfter, maxInactiveAfter)
	if len(c.AuditAnchors) > maxAuditAnchors {
		v.add("audit_anchors", "at most %d anchors, got %d", maxAuditAnchors, len(c.AuditAnchors))
	}
	for i, a := range c.AuditAnchors {
		if !anchorRE.MatchString(strings.TrimSpace(a)) {
			v.add(fmt.Sprintf("audit_anchors[%d]", i), "want SEQ:HASH as ward logs the audit chain head (hash: 32 bytes in hex), got %q", clipText(a))
		}
	}
	if len(c.Manual) > maxManualControls {
		v.add("manual", "at most %d manual controls, got %d", maxManualControls, len(c.Manual))
	}
	ids := map[string]bool{}
	for i, m := range c.Manual {
		p := fmt.Sprintf("manual[%d]", i)
		switch {
		case !controlIDRE.MatchString(m.ID):
			v.add(p+".id", "want lower-case letters, digits and dashes (at most 63), got %q", clipText(m.ID))
		case slices.Contains(ReservedControlIDs, m.ID):
			v.add(p+".id", "%q is a built-in control", m.ID)
		case ids[m.ID]:
			v.add(p+".id", "%q listed twice", m.ID)
		}
		ids[m.ID] = true
		if strings.TrimSpace(m.Title) == "" {
			v.add(p+".title", "required")
		}
		for _, f := range []struct{ key, text string }{{"title", m.Title}, {"requirement", m.Requirement}} {
			if len(f.text) > maxControlTextLength {
				v.add(p+"."+f.key, "at most %d characters, got %d", maxControlTextLength, len(f.text))
			}
		}
		if len(m.Labels) > maxControlLabels {
			v.add(p+".labels", "at most %d labels, got %d", maxControlLabels, len(m.Labels))
		}
		for j, l := range m.Labels {
			if strings.TrimSpace(l) == "" || len(l) > 64 {
				v.add(fmt.Sprintf("%s.labels[%d]", p, j), "want a label of 1 to 64 characters, got %q", clipText(l))
			}
		}
		if m.ValidFor != 0 {
			durationRange(v, p+".valid_for", m.ValidFor, 24*time.Hour, MaxAttestation)
		}
	}
	return v.errs
}

// Validate returns every problem of the section as "compliance.key: msg".
func (c Compliance) Validate() []string {
	var out []string
	for _, p := range c.problems() {
		out = append(out, p.path+": "+p.msg)
	}
	return out
}

// clipText shortens s for an error message.
func clipText(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
