package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/errkind"
)

// The backups API (issue 12): runs, one run, the status of every job
// and stanza, a run's progress, and the two actions (run a job now;
// start a drill or a restore-to-target, in backupsrestore.go). Answers
// use the console API's envelope ({"status":"success","data":...}).

// Bounds of the list's query.
const (
	defaultBackupsLimit = 50
	maxBackupsLimit     = 500
	// maxBackupName bounds a job, stanza or restore target name in a
	// query, path or form.
	maxBackupName = 128
)

var (
	// runIDPattern is backups.Run.ID: 16 hex digits of the start's unix
	// nanoseconds, a dash, 8 random hex digits.
	runIDPattern = regexp.MustCompile(`^[0-9a-f]{16}-[0-9a-f]{8}$`)
	// backupNamePattern is what a job, stanza or restore target name may
	// hold (config names; pgBackRest stanzas are the same alphabet).
	backupNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

var errNoBackups = errkind.New(errkind.NotFound, "ui: backups not configured", "backups are not configured")

// backupsService returns the service, or answers 404 when ward has none.
func (s *Server) backupsService(w http.ResponseWriter, r *http.Request) (backups.Service, bool) {
	if s.deps.Backups == nil {
		s.fail(w, r, errNoBackups)
		return nil, false
	}
	return s.deps.Backups, true
}

// checkBackupName refuses a name outside backupNamePattern, naming field.
func checkBackupName(field, v string) error {
	if len(v) > maxBackupName || !backupNamePattern.MatchString(v) {
		return badRequest(fmt.Sprintf("%s: want a name of letters, digits, '_', '.' and '-', at most %d characters", field, maxBackupName))
	}
	return nil
}

// checkRunID refuses anything that is not a run ID, naming field.
func checkRunID(field, v string) error {
	if !runIDPattern.MatchString(v) {
		return badRequest(field + ": not a run id (16 hex digits, '-', 8 hex digits)")
	}
	return nil
}

// parseBackupsFilter reads GET /api/backups/'s query: job, stanza,
// status, kind, before (a cursor) and limit. Unknown parameters are
// refused, so a misspelt filter does not silently match everything.
func parseBackupsFilter(q url.Values) (backups.Filter, error) {
	f := backups.Filter{Limit: defaultBackupsLimit}
	for k, vs := range q {
		if len(vs) > 1 {
			return f, badRequest(k + ": given more than once")
		}
		v := vs[0]
		switch k {
		case "job", "stanza":
			if err := checkBackupName(k, v); err != nil {
				return f, err
			}
			if k == "job" {
				f.Job = v
			} else {
				f.Stanza = v
			}
		case "status":
			switch st := backups.RunState(v); st {
			case backups.StateRunning, backups.StateSuccess, backups.StateFailed, backups.StateMissed:
				f.State = st
			default:
				return f, badRequest("status: want running, success, failed or missed")
			}
		case "kind":
			switch kd := backups.RunKind(v); kd {
			case backups.KindBackup, backups.KindDrill, backups.KindRestore:
				f.Kind = kd
			default:
				return f, badRequest("kind: want backup, drill or restore")
			}
		case "before":
			if err := checkRunID("before", v); err != nil {
				return f, err
			}
			f.Before = v
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxBackupsLimit {
				return f, badRequest(fmt.Sprintf("limit: want an integer from 1 to %d", maxBackupsLimit))
			}
			f.Limit = n
		default:
			return f, badRequest(fmt.Sprintf("%s: unknown parameter (want job, stanza, status, kind, before or limit)", clip(k, 32)))
		}
	}
	return f, nil
}

// backupErr gives an error of the backups service its kind and the
// words its client sees.
func backupErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, backups.ErrNotFound):
		return errkind.Wrap(err, errkind.NotFound, clip(err.Error(), 256))
	case errors.Is(err, backups.ErrBusy):
		return errkind.Wrap(err, errkind.Conflict, clip(err.Error(), 256))
	case errors.Is(err, backups.ErrRefused):
		return errkind.Wrap(err, errkind.Invalid, clip(err.Error(), 256))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errkind.Wrap(err, errkind.Unavailable, "the request ended before the answer was ready")
	}
	return err
}

// backupStatus is the problem of err as backupErr sees it; a busy job is
// 409 for programs (ward's forms answer 422 for conflicts).
func (s *Server) backupStatus(r *http.Request, err error) problem {
	p := s.explain(r, backupErr(err))
	if errors.Is(err, backups.ErrBusy) {
		p.status = http.StatusConflict
	}
	return p
}

// apiBackups serves GET /api/backups/: runs, newest first, filtered and
// paginated (the answer's next is the cursor for before=).
func (s *Server) apiBackups(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.backupsService(w, r)
	if !ok {
		return
	}
	f, err := parseBackupsFilter(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := svc.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, backupErr(err))
		return
	}
	if page.Runs == nil {
		page.Runs = []backups.Run{}
	}
	// Issue 14: the runs carry their logs, a read of sensitive data.
	if err := s.auditBackupLogs(r, "runs", page.Runs...); err != nil {
		s.fail(w, r, err)
		return
	}
	writeData(w, http.StatusOK, page)
}

// apiBackup serves GET /api/backups/{id}/: one run, its log included.
func (s *Server) apiBackup(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.backupsService(w, r)
	if !ok {
		return
	}
	run, err := s.backupRun(r, svc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeData(w, http.StatusOK, run)
}

// backupRun reads the path's {id}, gets that run and records the reading
// of its log (data access), so that no reader of one run can skip it.
func (s *Server) backupRun(r *http.Request, svc backups.Service) (backups.Run, error) {
	id := r.PathValue("id")
	if err := checkRunID("id", id); err != nil {
		return backups.Run{}, err
	}
	run, err := svc.Get(r.Context(), id)
	if err != nil {
		return run, backupErr(err)
	}
	// Every reader of one run gets its log: the read is recorded
	// (issue 14, data access) before it is served.
	return run, s.auditBackupLogs(r, run.ID, run)
}

// runProgress is GET /api/backups/runs/{id}: what a page or script polls
// while a run goes on.
type runProgress struct {
	ID       string           `json:"id"`
	Kind     backups.RunKind  `json:"kind"`
	State    backups.RunState `json:"state"`
	Progress string           `json:"progress,omitempty"`
	Error    string           `json:"error,omitempty"`
	Log      string           `json:"log"`
	Done     bool             `json:"done"`
}

// apiBackupRun serves GET /api/backups/runs/{id}.
func (s *Server) apiBackupRun(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.backupsService(w, r)
	if !ok {
		return
	}
	run, err := s.backupRun(r, svc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeData(w, http.StatusOK, runProgress{
		ID: run.ID, Kind: run.Kind, State: run.State, Progress: run.Progress,
		Error: run.Error, Log: run.Log, Done: run.State != backups.StateRunning,
	})
}

// apiBackupsStatus serves GET /api/backups/status/.
func (s *Server) apiBackupsStatus(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.backupsService(w, r)
	if !ok {
		return
	}
	st, err := svc.Status(r.Context())
	if err != nil {
		s.fail(w, r, backupErr(err))
		return
	}
	if st.Jobs == nil {
		st.Jobs = []backups.JobStatus{}
	}
	if st.Stanzas == nil {
		st.Stanzas = []backups.StanzaStatus{}
	}
	writeData(w, http.StatusOK, st)
}

// runNow starts job now for the caller and audits the outcome, refusals
// included. It returns the run, or the problem to answer.
func (s *Server) runNow(r *http.Request, job string) (backups.Run, *problem) {
	details := map[string]string{}
	refuse := func(p problem) (backups.Run, *problem) {
		details["status"], details["reason"] = strconv.Itoa(p.status), clip(p.msg, 256)
		s.audit(r, audit.ActionBackupRun, clip(job, maxBackupName), p.status, details)
		return backups.Run{}, &p
	}
	if s.deps.Backups == nil {
		return refuse(s.explain(r, errNoBackups))
	}
	if err := checkBackupName("job", job); err != nil {
		return refuse(s.explain(r, err))
	}
	// type: full, diff or incr (pgbackrest jobs), from the query or the
	// form; empty takes the type of the schedule that fires next.
	typ := r.URL.Query().Get("type")
	if typ == "" {
		typ = r.PostFormValue("type")
	}
	switch typ {
	case "", "full", "diff", "incr":
	default:
		return refuse(s.explain(r, badRequest("type: want full, diff or incr (or nothing: the next scheduled run's type)")))
	}
	if typ != "" {
		details["type"] = typ
	}
	run, err := s.deps.Backups.RunNowType(r.Context(), job, typ, auth.PrincipalFrom(r.Context()).User.Name)
	if err != nil {
		return refuse(s.backupStatus(r, err))
	}
	details["status"], details["run"] = strconv.Itoa(http.StatusAccepted), run.ID
	s.audit(r, audit.ActionBackupRun, job, http.StatusAccepted, details)
	return run, nil
}

// apiRunNow serves POST /api/backups/jobs/{job}/run: 202 with the run
// and its Location.
func (s *Server) apiRunNow(w http.ResponseWriter, r *http.Request) {
	run, p := s.runNow(r, r.PathValue("job"))
	if p != nil {
		s.answer(w, r, *p)
		return
	}
	accepted(w, run)
}

// accepted answers 202 for a run that started, pointing at its progress.
func accepted(w http.ResponseWriter, run backups.Run) {
	w.Header().Set("Location", "/api/backups/runs/"+run.ID)
	writeData(w, http.StatusAccepted, map[string]any{"id": run.ID, "run": run})
}
