package compliance

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// Store keeps evidence and attestations; *storage.State implements it.
type Store interface {
	AppendEvidence(recs []storage.EvidenceRecord) error
	EvidenceRange(control string, from, to time.Time, fn func(storage.EvidenceRecord) error) error
	LatestEvidence() (map[string]storage.EvidenceRecord, error)
	PruneEvidence(before time.Time) (int, error)
	PutAttestationAudited(id string, rec audit.Record, build func(seq uint64) ([]byte, error)) error
	Attestations() (map[string][]byte, error)
	AuditHead() (audit.Anchor, error)
	AppendAudit(r audit.Record) error
}

var _ Store = (*storage.State)(nil)

// Timing of the checker.
const (
	// DefaultInterval is how often a control is checked unless it says.
	DefaultInterval = time.Hour
	// cheapInterval is the interval of controls that only read the
	// configuration or a few records. Each check is a record kept 400
	// days: at 15 minutes the six cheap controls and ten hourly ones
	// leave about 820 records a day, some 330,000 in 400 days.
	cheapInterval = 15 * time.Minute
	// staleGrace is how far past its interval evidence may be before it
	// is stale: the checker looks for due controls once a minute and a
	// check takes time of its own.
	staleGrace = 5 * time.Minute
	// tick is how often Run looks for due controls.
	tick = time.Minute
	// pruneEvery is how often evidence past EvidenceRetention is deleted.
	pruneEvery = 24 * time.Hour
	// checkTimeout bounds one control's check.
	checkTimeout = 2 * time.Minute
)

// Options configure a Service.
type Options struct {
	Facts Facts
	Store Store
	// Registerer takes ward_compliance_control_status; nil registers
	// nothing.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service checks the controls when they are due, keeps their evidence
// and answers the checklist.
type Service struct {
	facts  Facts
	store  Store
	logger *slog.Logger
	now    func() time.Time

	// lastPrune is Run's alone.
	lastPrune time.Time
	// checkingAll holds a token while CheckNow runs, so that presses of
	// "Check now" queue rather than run every check at once.
	checkingAll chan struct{}
	// identityChanged asks Run to check the identity controls at once
	// (IdentityChanged); one pending request is enough.
	identityChanged chan struct{}
}

// New builds the service and registers its metric.
func New(o Options) *Service {
	s := &Service{facts: o.Facts, store: o.Store, logger: o.Logger, now: o.Now, checkingAll: make(chan struct{}, 1), identityChanged: make(chan struct{}, 1)}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(statusCollector{s})
	}
	return s
}

// Controls are every control now: the built-in ones, then the manual
// ones of the configuration in force.
func (s *Service) Controls() []Control {
	var out []Control
	for _, b := range builtins {
		out = append(out, b.Control)
	}
	return append(out, manualControls(s.facts.Config())...)
}

// Control returns the control called id.
func (s *Service) Control(id string) (Control, error) {
	for _, c := range s.Controls() {
		if c.ID == id {
			return c, nil
		}
	}
	return Control{}, ErrUnknownControl
}

// Run checks every control at once, then, once a minute until ctx ends,
// those whose evidence is due; once a day it prunes old evidence.
//
// The first pass checks every control, due or not: after a restart (or
// a setup done while ward was stopped) the newest evidence may be fresh
// by its interval yet describe a ward that no longer exists, and an
// auditor opening /compliance should see the facts of the ward running.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(tick)
	defer t.Stop()
	check := func(ctx context.Context) error { return s.Check(ctx) }
	for {
		err := check(ctx)
		check = s.checkDue
		if err != nil && ctx.Err() == nil {
			s.logger.Error("compliance checks", "err", err)
		}
		if now := s.now(); now.Sub(s.lastPrune) >= pruneEvery {
			n, err := s.store.PruneEvidence(now.Add(-EvidenceRetention))
			if err != nil {
				s.logger.Error("pruning compliance evidence", "err", err)
			} else {
				s.lastPrune = now
				if n > 0 {
					s.logger.Info("pruned compliance evidence", "records", n)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.identityChanged:
			check = func(ctx context.Context) error {
				if err := s.Check(ctx, IdentityControls...); err != nil {
					return err
				}
				return s.checkDue(ctx)
			}
		}
	}
}

// IdentityChanged asks Run to check the controls that read users and
// their 2FA at once, rather than at their next interval: the wiring calls
// it when the first admin is set up, whose results at start said "no
// admin". It never blocks.
func (s *Service) IdentityChanged() {
	select {
	case s.identityChanged <- struct{}{}:
	default:
	}
}

// checkDue checks the controls whose newest evidence is older than
// their interval (or missing).
func (s *Service) checkDue(ctx context.Context) error {
	latest, err := s.store.LatestEvidence()
	if err != nil {
		return err
	}
	now := s.now()
	var due []string
	for _, c := range s.Controls() {
		if r, ok := latest[c.ID]; !ok || now.Sub(r.At) >= c.Interval {
			due = append(due, c.ID)
		}
	}
	if len(due) == 0 {
		return nil
	}
	return s.Check(ctx, due...)
}

// Check checks the controls named (every control when none is) now and
// appends their evidence, each at the audit chain's head at that moment.
//
// Checks may run at once (Run's and an attestation's): each appends its
// own evidence, so nothing is lost, and none waits for a slow check of
// another.
func (s *Service) Check(ctx context.Context, ids ...string) error {
	var atts map[string]Attestation
	var recs []storage.EvidenceRecord
	for _, c := range s.Controls() {
		if len(ids) > 0 && !slices.Contains(ids, c.ID) {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var res Result
		if c.Manual {
			if atts == nil {
				var err error
				if atts, err = s.attestations(); err != nil {
					return err
				}
			}
			res = checkManual(c, atts, s.now())
		} else {
			res = s.runCheck(ctx, c.ID)
		}
		head, err := s.store.AuditHead()
		if err != nil {
			return fmt.Errorf("compliance: audit head: %w", err)
		}
		ev := Evidence{
			Control: c.ID, Status: res.Status, Value: res.Value, Threshold: res.Threshold,
			Detail: res.Detail, Checked: s.now().UTC(), Sources: res.Sources,
			AuditSeq: head.Seq, AuditHead: head.String(),
		}
		js, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		recs = append(recs, storage.EvidenceRecord{Control: c.ID, At: ev.Checked, JSON: js})
	}
	return s.store.AppendEvidence(recs)
}

// runCheck runs one built-in check under its own timeout; a panic in a
// check is a failed result, not a dead checker.
func (s *Service) runCheck(ctx context.Context, id string) (res Result) {
	b := builtinByID(id)
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			s.logger.Error("compliance check panicked", "control", id, "panic", fmt.Sprint(p))
			res = Result{Status: Fail, Detail: "the check failed to run; see ward's log"}
		}
	}()
	e := &env{ctx: ctx, facts: s.facts, cfg: s.facts.Config(), now: s.now()}
	res = b.check(e)
	res.Status = cmp.Or(res.Status, Fail)
	return res
}
