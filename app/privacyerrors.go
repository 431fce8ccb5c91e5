package app

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
	"github.com/ward-monitoring/ward/storage"
	"github.com/ward-monitoring/ward/ui"
)

// Error tracking's part of GDPR (issue 16). The events the apps' Sentry
// SDKs send name the apps' end users (user id, email, IP address), who
// are not ward's users. So:
//
//   - a ward user's export and erasure cover the error events whose user
//     email is the ward user's email: the one identifier both systems
//     share. Not their ward name (an app's user ids are its own) nor the
//     IP addresses of their sessions (an office or VPN address is many
//     people's: matching it would export and erase other people's
//     events);
//   - an app end user's events are exported and erased by an admin on
//     /admin/errors/people from the identifiers they give (user id,
//     email, IP address), after step-up, audited (ui.ErrorPeople).

// personErrors is apperrors.Service's GDPR side.
type personErrors interface {
	ExportPersonBounded(ctx context.Context, ids []string) (apperrors.PersonExport, error)
	ErasePerson(ctx context.Context, ids []string) (int, error)
	PersonDigest(ids []string) string
}

var _ personErrors = (*apperrors.Service)(nil)

// Audit actions of error events' export and erasure (target: the ward
// user, or "app user <digest>" for an app's end user; details: how many
// identifiers and events).
const (
	actionErrorsExport = "errors.person.export"
	actionErrorsErase  = "errors.person.erase"
)

// Bounds of an app end user's identifiers.
const (
	maxPersonIDs     = 20
	maxPersonIDBytes = 320 // an email's longest
)

var (
	errNoPersonIDs = errkind.New(errkind.Invalid, "privacy: no identifiers",
		"identifiers: give the person's user id, email or IP address, one a line.")
	errTooManyIDs = errkind.New(errkind.Invalid, "privacy: too many identifiers",
		"identifiers: at most "+strconv.Itoa(maxPersonIDs)+" at a time.")
	errLongPersonID = errkind.New(errkind.Invalid, "privacy: identifier too long",
		"identifiers: each at most "+strconv.Itoa(maxPersonIDBytes)+" characters.")
	errNoErrorsStore = errkind.New(errkind.Unavailable, "privacy: error tracking not running", "error tracking is not running")
)

// personalExport is a ward user's export: what storage holds about them
// and the error events that carry their email.
type personalExport struct {
	storage.PersonalData
	ErrorEvents []apperrors.Event `json:"error_events"`
	// ErrorEventsExport says how many events matched and whether the
	// export's bounds (apperrors.MaxExportEvents, MaxExportBytes) cut
	// it; its Events are ErrorEvents.
	ErrorEventsExport *apperrors.PersonExport `json:"error_events_export,omitempty"`
}

// withErrorEvents adds to a ward user's export the error events that
// carry their email.
func (pv *privacy) withErrorEvents(ctx context.Context, data storage.PersonalData) (any, error) {
	out := personalExport{PersonalData: data, ErrorEvents: []apperrors.Event{}}
	if pv.errors == nil || data.Profile.Email == "" {
		return out, nil
	}
	x, err := pv.errors.ExportPersonBounded(ctx, []string{data.Profile.Email})
	if err != nil {
		return nil, err
	}
	if x.Events != nil {
		out.ErrorEvents = x.Events
	}
	x.Events = nil
	out.ErrorEventsExport = &x
	return out, nil
}

// eraseUserErrors erases the error events that carry name's email,
// before the account goes (and with it the email), and audits it under
// name, which the account's erasure then pseudonymises with the rest.
func (pv *privacy) eraseUserErrors(ctx context.Context, name string) (int, error) {
	if pv.errors == nil {
		return 0, nil
	}
	u, err := pv.st.User(name)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, auth.ErrUserNotFound
	}
	if err != nil || u.Email == "" {
		return 0, err
	}
	n, err := pv.errors.ErasePerson(ctx, []string{u.Email})
	rec := auth.AuditRecord(ctx, pv.now(), actionErrorsErase, name, audit.Success, map[string]string{"identifiers": "1", "events": strconv.Itoa(n)})
	if err != nil {
		rec.Outcome, rec.Details["error"] = audit.Failure, "erasing error events failed"
	}
	if aerr := pv.st.AppendAudit(rec); aerr != nil {
		return n, errors.Join(err, aerr)
	}
	return n, err
}

// parsePersonIDs trims, drops empty and repeated identifiers and checks
// the bounds.
func parsePersonIDs(ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		id = strings.ToLower(strings.TrimSpace(id))
		switch {
		case id == "" || slices.Contains(out, id):
			continue
		case len(id) > maxPersonIDBytes:
			return nil, errLongPersonID
		}
		out = append(out, id)
	}
	switch {
	case len(out) == 0:
		return nil, errNoPersonIDs
	case len(out) > maxPersonIDs:
		return nil, errTooManyIDs
	}
	slices.Sort(out)
	return out, nil
}

// appUserTarget names an app end user in the audit trail without their
// identifiers: a digest of them keyed with the install's secret salt
// (an unkeyed one of an IPv4 address is found by trying all 2^32), the
// same for the same identifiers.
func (pv *privacy) appUserTarget(ids []string) string {
	return "app user " + pv.errors.PersonDigest(ids)
}

// appUserGate lets admins with a fresh step-up act on an app end user's
// error events; a refusal for want of step-up is audited.
func (pv *privacy) appUserGate(ctx context.Context, p *auth.Principal, action string, ids []string) ([]string, error) {
	if p == nil || !p.Active() {
		return nil, auth.ErrWrongStage
	}
	if !p.User.Role.AtLeast(auth.RoleAdmin) {
		return nil, auth.ErrForbidden
	}
	if pv.errors == nil {
		return nil, errNoErrorsStore
	}
	ids, err := parsePersonIDs(ids)
	if err != nil {
		return nil, err
	}
	if err := pv.auth.RequireStepUp(p); err != nil {
		rec := auth.AuditRecord(ctx, pv.now(), action, pv.appUserTarget(ids), audit.Failure, map[string]string{"reason": "step_up"})
		if aerr := pv.st.AppendAudit(rec); aerr != nil {
			return nil, errors.Join(err, aerr)
		}
		return nil, err
	}
	return ids, nil
}

// ExportAppUser returns the error events whose user id, email or IP
// address is one of ids, for an admin after step-up; audited.
func (pv *privacy) ExportAppUser(ctx context.Context, p *auth.Principal, ids []string) ([]apperrors.Event, error) {
	evs, _, _, err := pv.ExportAppUserBounded(ctx, p, ids)
	return evs, err
}

// ExportAppUserBounded is ExportAppUser with the service's bounds
// stated (ui.ErrorPeopleBounded): how many kept events matched, and
// whether the newest-first answer was cut.
func (pv *privacy) ExportAppUserBounded(ctx context.Context, p *auth.Principal, ids []string) ([]apperrors.Event, int, bool, error) {
	ids, err := pv.appUserGate(ctx, p, actionErrorsExport, ids)
	if err != nil {
		return nil, 0, false, err
	}
	x, err := pv.errors.ExportPersonBounded(ctx, ids)
	if err != nil {
		return nil, 0, false, err
	}
	evs := x.Events
	rec := auth.AuditRecord(ctx, pv.now(), actionErrorsExport, pv.appUserTarget(ids), audit.Success,
		map[string]string{"identifiers": strconv.Itoa(len(ids)), "events": strconv.Itoa(len(evs)),
			"matched": strconv.Itoa(x.Matched), "truncated": strconv.FormatBool(x.Truncated), "unreadable": strconv.Itoa(x.Unreadable)})
	if err := pv.st.AppendAudit(rec); err != nil {
		return nil, 0, false, err
	}
	if evs == nil {
		evs = []apperrors.Event{}
	}
	return evs, x.Matched, x.Truncated, nil
}

var _ ui.ErrorPeopleBounded = (*privacy)(nil)

// EraseAppUser deletes the error events whose user id, email or IP
// address is one of ids, for an admin after step-up; audited with the
// count.
func (pv *privacy) EraseAppUser(ctx context.Context, p *auth.Principal, ids []string) (int, error) {
	ids, err := pv.appUserGate(ctx, p, actionErrorsErase, ids)
	if err != nil {
		return 0, err
	}
	n, err := pv.errors.ErasePerson(ctx, ids)
	rec := auth.AuditRecord(ctx, pv.now(), actionErrorsErase, pv.appUserTarget(ids), audit.Success,
		map[string]string{"identifiers": strconv.Itoa(len(ids)), "events": strconv.Itoa(n)})
	if err != nil {
		rec.Outcome, rec.Details["error"] = audit.Failure, "erasing error events failed"
	}
	if aerr := pv.st.AppendAudit(rec); aerr != nil {
		return n, errors.Join(err, aerr)
	}
	return n, err
}

var _ ui.ErrorPeople = (*privacy)(nil)
