package apperrors

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// Audit actions of issue status changes (target: the issue id; details:
// old and new status, project).
const (
	ActionIssueResolve   = "errors.issue.resolve"
	ActionIssueIgnore    = "errors.issue.ignore"
	ActionIssueUnresolve = "errors.issue.unresolve"
	// ActionIssueRegress: a resolved issue happened again and ward
	// reopened it (actor "ward").
	ActionIssueRegress = "errors.issue.regress"
)

// ErrBadStatus: SetStatus was given a status that is not one of the
// three.
var ErrBadStatus = fmt.Errorf("apperrors: status: must be unresolved, resolved or ignored")

// SetStatus resolves, ignores or reopens an issue; rec (actor, address)
// is completed and appended to the audit trail in the same transaction.
func (s *Service) SetStatus(ctx context.Context, id string, st Status, rec audit.Record) error {
	var action string
	switch st {
	case StatusResolved:
		action = ActionIssueResolve
	case StatusIgnored:
		action = ActionIssueIgnore
	case StatusUnresolved:
		action = ActionIssueUnresolve
	default:
		return ErrBadStatus
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.opts.Now()
	err := s.opts.State.Update(func(tx *storage.Tx) error {
		v := tx.AppIssue(id)
		if v == nil {
			return ErrNotFound
		}
		var is Issue
		if err := json.Unmarshal(v, &is); err != nil {
			return fmt.Errorf("apperrors: issue %s: %w", id, err)
		}
		old := is.Status
		is.Status, is.StatusBy, is.StatusAt = st, rec.Actor, now
		if err := putIssue(tx, &is); err != nil {
			return err
		}
		rec.Action, rec.Target = action, id
		if rec.Time.IsZero() {
			rec.Time = now
		}
		if rec.Outcome == "" {
			rec.Outcome = audit.Success
		}
		details := map[string]string{"old_status": string(old), "new_status": string(st), "project": is.Project}
		for k, v := range rec.Details {
			details[k] = v
		}
		rec.Details = details
		return tx.AppendAudit(rec)
	})
	if err == nil && st != StatusUnresolved {
		// Resolved or ignored: NewErrorIssue or ErrorIssueRegressed ends.
		s.metrics.forgetRecent(id)
	}
	return err
}
