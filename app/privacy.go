package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/control"
	"github.com/ward-monitoring/ward/errkind"
	"github.com/ward-monitoring/ward/storage"
	"github.com/ward-monitoring/ward/ui"
)

// privacyOps are the control socket's commands for GDPR export and erasure of ward's own users (issue 14).
func (a *App) privacyOps() map[string]control.Op {
	return nil
}

// privacyOps are the same commands on a database opened while no ward runs.
func (o *Offline) privacyOps() map[string]control.Op {
	return nil
}

// startPrivacy runs at every start, right after the audit key is set:
// it upgrades a v2 audit chain to layout v3 (which erasure needs) and
// re-applies every erasure in the ledger that the database predates (it
// was restored from an older copy).
func startPrivacy(st *storage.State, cfg *config.Config, logger *slog.Logger) error {
	up, err := st.UpgradeAudit(time.Now())
	if err != nil {
		return err
	}
	if up.Upgraded > 0 {
		logger.Warn("audit chain upgraded to layout v3 (personal fields sealed through keyed digests, so they can be erased); an audit.migrate record names the old head",
			"records", up.Upgraded, "old_head", up.OldHead.String())
	}
	if r := up.Broken; r != nil {
		logger.Error("audit chain does not verify, so it was NOT upgraded to layout v3: records in it cannot be erased", "first_bad", r.FirstBad, "problem", r.Problem)
	}
	rep, err := st.ReapplyErasures(storage.NewLedger(cfg.LedgerPath()), time.Now())
	if err != nil {
		return fmt.Errorf("erasure ledger: %w", err)
	}
	if rep.Reapplied > 0 {
		logger.Warn("re-applied erasures that the restored database predates", "erasures", rep.Reapplied, "records", rep.Records)
	}
	if rep.Repaired > 0 {
		logger.Warn("erasures missing from the ledger were written to it again", "erasures", rep.Repaired, "ledger", cfg.LedgerPath())
	}
	if rep.OtherKey > 0 {
		logger.Error("erasures in the ledger were made under another audit key and cannot be matched; erase those people again by hand", "erasures", rep.OtherKey)
	}
	return nil
}

// privacy is GDPR for ward's own users (ui.Privacy): export and erasure,
// both behind step-up and audited, and the retention the /privacy page
// states.
type privacy struct {
	st     *storage.State
	auth   *auth.Service
	ledger *storage.Ledger
	cfg    func() *config.Config
	now    func() time.Time
	// silences is the alert pipeline (alerting.Manager), whose silences
	// name their authors; nil in tests without one.
	silences silenceRewriter
	// errors is error tracking, whose events may carry the person's
	// email (issue 16, privacyerrors.go); nil without it.
	errors personErrors
}

// silenceRewriter replaces a person's names by their pseudonyms in the
// silences (alerting.Manager.RewriteSilenceAuthors).
type silenceRewriter interface {
	RewriteSilenceAuthors(ctx context.Context, to map[string]string) (int, error)
}

var _ ui.Privacy = (*privacy)(nil)

var (
	errEraseSelf = errkind.New(errkind.Conflict, "privacy: erase self", "you cannot erase your own account; another admin must")
	errNotOwn    = errkind.New(errkind.Forbidden, "privacy: export of another user", "only admins may export another user's data")
)

// gate allows p to act on name: p itself or an admin, with a fresh
// step-up. A refusal for want of step-up is audited too.
func (pv *privacy) gate(ctx context.Context, p *auth.Principal, action, name string) error {
	if p == nil || !p.Active() {
		return auth.ErrWrongStage
	}
	if p.User.Name != name && !p.User.Role.AtLeast(auth.RoleAdmin) {
		return errNotOwn
	}
	if err := pv.auth.RequireStepUp(p); err != nil {
		rec := auth.AuditRecord(ctx, pv.now(), action, name, audit.Failure, map[string]string{"reason": "step_up"})
		if aerr := pv.st.AppendAudit(rec); aerr != nil {
			return errors.Join(err, aerr)
		}
		return err
	}
	return nil
}

// Export returns everything ward holds about name, for p (themselves or
// an admin).
func (pv *privacy) Export(ctx context.Context, p *auth.Principal, name string) (any, error) {
	if err := pv.gate(ctx, p, audit.ActionPrivacyExport, name); err != nil {
		return nil, err
	}
	data, err := pv.st.ExportPerson(name, auth.AuditRecord(ctx, pv.now(), "", "", audit.Success, nil), pv.now())
	if errors.Is(err, storage.ErrNotFound) {
		return nil, auth.ErrUserNotFound
	}
	if err != nil {
		return nil, err
	}
	return pv.withErrorEvents(ctx, data) // issue 16
}

// Erase erases name (admins only; routes guard the role, gate checks it
// again through the name: an admin cannot erase themselves).
func (pv *privacy) Erase(ctx context.Context, p *auth.Principal, name string) (ui.ErasureResult, error) {
	if p != nil && p.User.Name == name {
		return ui.ErasureResult{}, errEraseSelf
	}
	if p == nil || !p.User.Role.AtLeast(auth.RoleAdmin) {
		return ui.ErasureResult{}, auth.ErrForbidden
	}
	if err := pv.gate(ctx, p, audit.ActionPrivacyErase, name); err != nil {
		return ui.ErasureResult{}, err
	}
	errorEvents, err := pv.eraseUserErrors(ctx, name) // issue 16
	if err != nil {
		return ui.ErasureResult{}, err
	}
	var outside storage.OutsideEraser
	if pv.silences != nil {
		outside = func(to map[string]string) (int, error) { return pv.silences.RewriteSilenceAuthors(ctx, to) }
	}
	rep, err := pv.st.EraseUser(name, pv.ledger, auth.AuditRecord(ctx, pv.now(), "", "", audit.Success, nil), pv.now(), outside)
	if errors.Is(err, storage.ErrNotFound) {
		return ui.ErasureResult{}, auth.ErrUserNotFound
	}
	if err != nil {
		return ui.ErasureResult{}, err
	}
	// The same report the privacy.erase record states.
	return ui.ErasureResult{Pseudonym: rep.Pseudonym, Records: rep.Records, Sessions: rep.Sessions, Tokens: rep.Tokens,
		Rewritten: rep.Rewritten, Silences: rep.Outside, ErrorEvents: errorEvents}, nil
}

// Notice is the retention the /privacy page states, from the
// configuration in force.
func (pv *privacy) Notice() ui.PrivacyNotice {
	c := pv.cfg()
	return ui.PrivacyNotice{
		KnownDevices:    time.Duration(c.Privacy.KnownDevices),
		AuditClientData: time.Duration(c.Privacy.AuditClientData),
		AuditRecords:    time.Duration(c.Auth.Audit.Retention),
		SessionIdle:     time.Duration(c.Auth.Session.IdleTimeout),
		SessionMax:      time.Duration(c.Auth.Session.MaxLifetime),
		Events:          time.Duration(c.Events.Retention),
		PruneInterval:   time.Duration(c.Privacy.PruneInterval),
	}
}

// runPrune prunes client data past its retention every
// privacy.prune_interval (read at each round, so a reload applies), under
// the app's supervisor.
func (pv *privacy) runPrune(ctx context.Context, logger *slog.Logger) error {
	for {
		c := pv.cfg()
		now := pv.now()
		rep, err := pv.st.PruneClientData(now.Add(-time.Duration(c.Privacy.KnownDevices)), now.Add(-time.Duration(c.Privacy.AuditClientData)), now,
			audit.Record{Time: now, Actor: auth.SystemActor, Target: "personal data"})
		if err != nil {
			logger.Error("pruning personal data", "err", err)
		} else if rep.Total() > 0 {
			logger.Info("pruned personal data past its retention", "devices", rep.Devices, "token_ips", rep.TokenIPs, "audit_records", rep.AuditRecords)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Duration(c.Privacy.PruneInterval)):
		}
	}
}
