package ui

import (
	"net/http"
	"strconv"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/errkind"
)

// Data access logging (issue 14): every read of sensitive data (an
// audit or events export, an evidence pack, a backup run's log) leaves
// a data.read record saying who read what and how many records.
// Routine page views do not.

// trailState is the server's state for the audit trail API and the
// data-access records.
type trailState struct {
	// verifying holds one token while a verification of the whole chain
	// runs (auditapi.go).
	verifying chan struct{}
	// polls coalesces the records of one principal reading the log of
	// one running backup over and over (its page and API are polled
	// every few seconds while it runs): one record per denialWindow,
	// which counts the reads it covers.
	polls denialLimiter
}

func newTrailState() trailState {
	return trailState{verifying: make(chan struct{}, 1)}
}

// Values of data.read's "what" detail.
const (
	readAuditExport  = "audit-export"
	readEventsExport = "events-export"
	readBackupLog    = "backup-log"
)

// errDataReadUnrecorded refuses sensitive data whose reading could not
// be recorded.
var errDataReadUnrecorded = errkind.New(errkind.Internal, "ui: data read not audited", "the read could not be recorded in the audit trail, so nothing was sent")

// auditDataRead records that r's principal read records records of
// what (about target, if any). An error means the record was not
// written: the caller sends nothing.
func (s *Server) auditDataRead(r *http.Request, what, target string, records int, details map[string]string) error {
	d := map[string]string{}
	for k, v := range details {
		d[k] = v
	}
	d["what"], d["records"] = what, strconv.Itoa(records)
	if err := s.deps.Audit.AppendAudit(auth.AuditRecord(r.Context(), s.now(), audit.ActionDataRead, target, audit.Success, d)); err != nil {
		s.logger.Error("audit append failed", "err", err, "action", audit.ActionDataRead, "what", what)
		return errDataReadUnrecorded
	}
	return nil
}

// auditPolledRead is auditDataRead for a read that a page or script
// repeats every few seconds (a running backup's log): the first read of
// each principal and target per denialWindow is recorded, with how many
// went unrecorded before it.
func (s *Server) auditPolledRead(r *http.Request, what, target string, records int) error {
	p := auth.PrincipalFrom(r.Context())
	actor := ""
	if p != nil {
		actor = p.User.Name
	}
	ok, suppressed := s.trail.polls.record(actor, what+" "+target, s.now())
	if !ok {
		return nil
	}
	var d map[string]string
	if suppressed > 0 {
		d = map[string]string{"unrecorded_before": strconv.Itoa(suppressed)}
	}
	if err := s.auditDataRead(r, what, target, records, d); err != nil {
		// Not recorded: the next read must try again, not pass unseen
		// as part of this window.
		s.trail.polls.forget(actor, what+" "+target)
		return err
	}
	return nil
}

// auditBackupLogs records the reading of the logs among runs (a run's
// page, or an API answer that carries logs) as target: nothing when
// none carries a log. Re-reads are coalesced (auditPolledRead).
func (s *Server) auditBackupLogs(r *http.Request, target string, runs ...backups.Run) error {
	n := 0
	for _, run := range runs {
		if run.Log != "" {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return s.auditPolledRead(r, readBackupLog, target, n)
}
