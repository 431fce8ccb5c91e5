package ui

import (
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// actionIssueStatus is the audit action of an issue's status change
// (resolve, ignore, reopen), with details "status" (the new one).
const actionIssueStatus = "error_issue.status"

// statusAction is one button that changes an issue's status.
type statusAction struct {
	To    apperrors.Status
	Label string
}

// statusActions are the changes open from st: an unresolved issue can
// be resolved or ignored, the others reopened.
func statusActions(st apperrors.Status) []statusAction {
	switch st {
	case apperrors.StatusResolved, apperrors.StatusIgnored:
		return []statusAction{{apperrors.StatusUnresolved, "Reopen"}}
	}
	return []statusAction{{apperrors.StatusResolved, "Resolve"}, {apperrors.StatusIgnored, "Ignore"}}
}

// errorIssueStatus serves POST /errors/issues/{id}/status (operators):
// status=resolved|ignored|unresolved, audited by the service in the
// same transaction as the change. It returns to back, a path on this
// site (the list or the issue), or to the issue.
func (s *Server) errorIssueStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := checkErrorID("id", id); err != nil {
		s.fail(w, r, err)
		return
	}
	if s.deps.Errors == nil {
		s.fail(w, r, errNoErrors)
		return
	}
	st := apperrors.Status(r.PostFormValue("status"))
	switch st {
	case apperrors.StatusUnresolved, apperrors.StatusResolved, apperrors.StatusIgnored:
	default:
		s.fail(w, r, badRequest("status: want unresolved, resolved or ignored"))
		return
	}
	// The status before, for the notice's Undo.
	was, err := s.deps.Errors.Issue(r.Context(), id)
	if err != nil {
		s.fail(w, r, errorsErr(err))
		return
	}
	rec := auth.AuditRecord(r.Context(), s.now(), actionIssueStatus, id, audit.Success, map[string]string{"status": string(st)})
	if err := s.deps.Errors.SetStatus(r.Context(), id, st, rec); err != nil {
		s.fail(w, r, errorsErr(err))
		return
	}
	http.Redirect(w, r, withChanged(localBack(r.PostFormValue("back"), "/errors/issues/"+id), id, was.Status), http.StatusSeeOther)
}

// localBack is back when it is a path below /errors on this site, else
// def: a form cannot send anyone elsewhere. The path is cleaned before
// the check (and sent cleaned): /errors/../admin is /admin.
func localBack(back, def string) string {
	u, err := url.Parse(back)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || len(back) > 2048 ||
		strings.HasPrefix(back, "//") || strings.Contains(back, "\\") {
		return def
	}
	u.Path = path.Clean("/" + u.Path)
	u.RawPath = ""
	if !(u.Path == "/errors" || strings.HasPrefix(u.Path, "/errors/")) {
		return def
	}
	u.Fragment = ""
	return u.String()
}

// withChanged adds the page's notice to the path u: changed=id, the
// issue changed, and was, its status before.
func withChanged(u, id string, was apperrors.Status) string {
	p, _ := url.Parse(u) // localBack's answer parses
	q := p.Query()
	q.Set("changed", id)
	q.Set("was", string(was))
	p.RawQuery = q.Encode()
	return p.String()
}

// changedNotice is the notice after a status change: which issue, its
// status now, and the way back.
type changedNotice struct {
	Issue apperrors.Issue
	// Was is the status before, which Undo posts ("" when unknown or
	// the same as now: no Undo).
	Was apperrors.Status
	// Back is the page without the notice, where Undo returns.
	Back string
}

// noticeTitleLen bounds the issue's title in the notice.
const noticeTitleLen = 80

// changedNoticeOf reads the notice from r's query (changed, was): nil
// when there is none, an Issue with no ID when the issue is not found
// (the notice then says only that a status changed).
func (s *Server) changedNoticeOf(r *http.Request) *changedNotice {
	q := r.URL.Query()
	id := q.Get("changed")
	if id == "" {
		return nil
	}
	n := &changedNotice{}
	if checkErrorID("changed", id) != nil || s.deps.Errors == nil {
		return n
	}
	is, err := s.deps.Errors.Issue(r.Context(), id)
	if err != nil {
		return n
	}
	n.Issue = is
	switch was := apperrors.Status(q.Get("was")); was {
	case apperrors.StatusUnresolved, apperrors.StatusResolved, apperrors.StatusIgnored:
		if was != is.Status {
			n.Was = was
		}
	}
	q.Del("changed")
	q.Del("was")
	u := *r.URL
	u.RawQuery = q.Encode()
	n.Back = u.RequestURI()
	return n
}

// title is the issue's title cut for the notice, "…" marking the cut.
func (n changedNotice) title() string {
	if t := clip(n.Issue.Title, noticeTitleLen); t != n.Issue.Title {
		return t + "…"
	}
	return n.Issue.Title
}

// undoLabel is the Undo button's text: what it sets the status to.
func (n changedNotice) undoLabel() string {
	if n.Was == apperrors.StatusUnresolved {
		return "Undo (reopen)"
	}
	return "Undo (mark " + string(n.Was) + " again)"
}

// levelText is an issue's or event's level, "error" when the SDK sent
// none (Sentry's default).
func levelText(l string) string {
	if l == "" {
		return "error"
	}
	return l
}

// levelClass colours a level's tag (its text says it too).
func levelClass(l string) string {
	switch l {
	case "fatal", "error", "":
		return "bad"
	case "warning":
		return "warn"
	}
	return ""
}

// issueStatusClass colours a status's tag.
func issueStatusClass(st apperrors.Status) string {
	switch st {
	case apperrors.StatusResolved:
		return "ok"
	case apperrors.StatusIgnored:
		return ""
	}
	return "bad"
}

// rfc3339 is t for a <time datetime>.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// regressed reports whether is is unresolved again after a resolve: the
// list and the issue page say "regressed", not plain "unresolved".
func regressed(is apperrors.Issue) bool {
	return is.Status == apperrors.StatusUnresolved && is.Regressions > 0
}

// issueStatusText is is's status as the pages show it.
func issueStatusText(is apperrors.Issue) string {
	if regressed(is) {
		return "regressed"
	}
	return string(is.Status)
}

// regressionText says when is regressed and in which release, as far as
// known: the service marks a regression by setting the status itself
// (StatusBy "ward", StatusAt the event's arrival).
func regressionText(is apperrors.Issue) string {
	s := "Regressed " + countNoun64(is.Regressions, "time")
	if is.StatusBy == "ward" && !is.StatusAt.IsZero() {
		s += ", last on " + utcStamp(is.StatusAt)
		if is.LastRelease != "" {
			s += " (latest events in release " + is.LastRelease + ")"
		}
	}
	return s + "."
}

// requestLine is a request's method and URL, with its query string
// after a "?" only when there is one.
func requestLine(req apperrors.Request) string {
	u := req.URL
	if q := strings.TrimPrefix(req.QueryString, "?"); q != "" {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + q
	}
	return strings.TrimSpace(req.Method + " " + u)
}
