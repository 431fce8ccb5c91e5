package compliance

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/errkind"
)

// Bounds of an attestation.
const (
	// MaxComment bounds an attestation's comment, in characters.
	MaxComment = 2000
	// MaxAttestation is the longest an attestation may stay valid.
	MaxAttestation = config.MaxAttestation
)

var (
	errComment = errkind.New(errkind.Invalid, "compliance: attestation comment", fmt.Sprintf("comment: required, at most %d characters", MaxComment))
	errExpired = errkind.New(errkind.Invalid, "compliance: attestation expiry", "expires: must be in the future")
)

// validFor is how long an attestation of c may stay valid: the
// control's valid_for, at most MaxAttestation.
func validFor(c Control) time.Duration {
	if c.ValidFor <= 0 || c.ValidFor > MaxAttestation {
		return MaxAttestation
	}
	return c.ValidFor
}

// latestExpiry is the latest an attestation of c made at now may
// expire: validFor from now, to the end of that day (UTC), since the
// form asks for a date and its default is that day.
func latestExpiry(c Control, now time.Time) time.Time {
	d := now.UTC().Add(validFor(c))
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, time.UTC)
}

// expiryError says how far an attestation of c may reach.
func expiryError(c Control, limit time.Time) error {
	return errkind.New(errkind.Invalid, "compliance: attestation expiry",
		fmt.Sprintf("expires: at most %s from today (the control's valid_for), so %s at the latest", days(validFor(c)), limit.Format(time.DateOnly)))
}

// manualControls are the manual controls of cfg.
func manualControls(cfg *config.Config) []Control {
	if cfg == nil {
		return nil
	}
	out := make([]Control, 0, len(cfg.Compliance.Manual))
	for _, m := range cfg.Compliance.Manual {
		out = append(out, Control{
			ID: m.ID, Title: m.Title, Requirement: m.Requirement,
			Labels: append([]string(nil), m.Labels...), Interval: DefaultInterval, Manual: true,
			ValidFor: m.Lifetime(), Docs: "/docs#compliance",
		})
	}
	return out
}

// checkManual is a manual control's result: its attestation, valid or
// not.
func checkManual(c Control, atts map[string]Attestation, now time.Time) Result {
	res := Result{Threshold: "an admin's attestation, renewed every " + days(c.ValidFor)}
	a, ok := atts[c.ID]
	if !ok {
		res.Status, res.Value = Fail, "not attested"
		res.Detail = "An admin attests it on [/compliance/" + c.ID + "](/compliance/" + c.ID + ")."
		return res
	}
	res.Sources = []Source{{Kind: "attestation", Ref: fmt.Sprintf("by %s at %s", a.By, a.At.UTC().Format(time.RFC3339)), URL: "/compliance/" + c.ID}}
	if a.AuditSeq != 0 {
		res.Sources = append(res.Sources, auditSource(a.AuditSeq))
	}
	if !now.Before(a.Expires) {
		res.Status, res.Value = Fail, "attestation expired "+a.Expires.UTC().Format("2006-01-02")
		res.Detail = "Attest it again on [/compliance/" + c.ID + "](/compliance/" + c.ID + ")."
		return res
	}
	res.Status = Manual
	res.Value = fmt.Sprintf("attested by %s until %s", a.By, a.Expires.UTC().Format("2006-01-02"))
	return res
}

// attestations reads every stored attestation.
func (s *Service) attestations() (map[string]Attestation, error) {
	raw, err := s.store.Attestations()
	if err != nil {
		return nil, err
	}
	out := make(map[string]Attestation, len(raw))
	for id, js := range raw {
		var a Attestation
		if err := json.Unmarshal(js, &a); err != nil {
			return nil, fmt.Errorf("compliance: attestation of %s: %w", id, err)
		}
		out[id] = a
	}
	return out, nil
}

// Attest records admin by's attestation of manual control id, valid
// until expires (zero: the control's valid_for), with the audit record
// in the same transaction, and checks the control again.
func (s *Service) Attest(ctx context.Context, id, by, ip, comment string, expires time.Time) (Attestation, error) {
	c, err := s.Control(id)
	if err != nil {
		return Attestation{}, err
	}
	if !c.Manual {
		return Attestation{}, ErrNotManual
	}
	comment = strings.TrimSpace(comment)
	if comment == "" || utf8.RuneCountInString(comment) > MaxComment {
		return Attestation{}, errComment
	}
	now := s.now().UTC()
	if expires.IsZero() {
		expires = now.Add(c.ValidFor)
	}
	if !expires.After(now) {
		return Attestation{}, errExpired
	}
	if limit := latestExpiry(c, now); expires.After(limit) {
		return Attestation{}, expiryError(c, limit)
	}
	a := Attestation{Control: id, By: by, At: now, Comment: comment, Expires: expires.UTC()}
	rec := audit.Record{
		Time: now, Actor: by, ActorIP: ip, Action: audit.ActionComplianceAttest, Target: id, Outcome: audit.Success,
		Details: map[string]string{"expires": a.Expires.Format(time.RFC3339), "comment": clip(comment, 256)},
	}
	err = s.store.PutAttestationAudited(id, rec, func(seq uint64) ([]byte, error) {
		a.AuditSeq = seq
		return json.Marshal(a)
	})
	if err != nil {
		return Attestation{}, err
	}
	return a, s.Check(ctx, id)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
