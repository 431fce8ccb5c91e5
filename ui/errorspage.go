package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
)

// The /errors pages (issue 16): the issues list with its filters and
// sparklines, an issue with its chart and samples, a project's DSN.
// Every page is complete without JavaScript.

// Bounds of what the pages show and accept.
const (
	// errorsPageIssues is the list's default length; ?limit= takes up
	// to errorsPageMaxIssues (apperrors' own cap).
	errorsPageIssues    = 100
	errorsPageMaxIssues = 500
	// maxFilterValue bounds an environment or release in a filter
	// (Sentry's own limit on a release name is 200).
	maxFilterValue = 200
	// maxErrorID bounds an issue or event id in a URL.
	maxErrorID = 128
	// sparkHours is the sparkline's window, one bar per hour.
	sparkHours = 24
)

// errNoErrors answers the issue and project pages when error tracking
// is not wired.
var errNoErrors = notFound("error tracking has no such issue or project")

// issueRow is one issue of the list.
type issueRow struct {
	Issue   apperrors.Issue
	Project string // the project's name
	Spark   sparkline
}

// errorsFilter is the list's filter as the form and links show it.
type errorsFilter struct {
	Project, Environment, Release string
	Status                        apperrors.Status
	Limit                         int
}

// any reports whether anything but the status narrows the list.
func (f errorsFilter) any() bool { return f.Project != "" || f.Environment != "" || f.Release != "" }

// query is f as URL parameters (the default status and limit left out).
func (f errorsFilter) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"project": f.Project, "environment": f.Environment, "release": f.Release} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Status != "" && f.Status != apperrors.StatusUnresolved {
		q.Set("status", string(f.Status))
	}
	if f.Limit != 0 && f.Limit != errorsPageIssues {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q
}

// errorsView is the /errors page.
type errorsView struct {
	Configured bool // error tracking is wired and has projects
	Operator   bool
	Projects   []apperrors.Project
	Filter     errorsFilter
	Rows       []issueRow
	// Full: the list has as many rows as it may show; more may match.
	Full bool
	// Environments and Releases suggest filter values.
	Environments, Releases []string
	Now                    time.Time
	// Back is this page's URL, where status changes return.
	Back string
	// Changed is the notice after a status change (nil: none).
	Changed *changedNotice
}

// errorsPage serves GET /errors: the issues, filtered.
func (s *Server) errorsPage(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	v := errorsView{Now: now, Operator: auth.PrincipalFrom(r.Context()).Can(auth.RoleOperator), Back: r.URL.RequestURI()}
	p := s.errorsPageOf(r, "Errors")
	if s.deps.Errors != nil {
		v.Projects = s.deps.Errors.Projects()
	}
	f, err := parseErrorsFilter(r.URL.Query(), v.Projects)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Filter = f
	v.Changed = s.changedNoticeOf(r)
	if len(v.Projects) == 0 {
		s.render(w, r, http.StatusOK, errorsPageView(p, v))
		return
	}
	v.Configured = true
	if err := s.fillErrorsView(r.Context(), &v, now); err != nil {
		s.fail(w, r, errorsErr(err))
		return
	}
	s.render(w, r, http.StatusOK, errorsPageView(p, v))
}

// fillErrorsView reads the issues, their sparklines and the filters'
// suggestions.
func (s *Server) fillErrorsView(ctx context.Context, v *errorsView, now time.Time) error {
	f := v.Filter
	issues, err := s.deps.Errors.Issues(ctx, apperrors.IssueFilter{Project: f.Project, Environment: f.Environment, Release: f.Release, Status: f.Status, Limit: f.Limit})
	if err != nil {
		return err
	}
	v.Full = len(issues) >= f.Limit
	names := map[string]string{}
	for _, p := range v.Projects {
		names[p.ID] = p.Name
	}
	end := now.Truncate(time.Hour).Add(time.Hour)
	start := end.Add(-sparkHours * time.Hour)
	envs := map[string]bool{}
	for _, is := range issues {
		counts, err := s.deps.Errors.Counts(ctx, is.ID, start, end, time.Hour)
		if err != nil {
			return err
		}
		v.Rows = append(v.Rows, issueRow{Issue: is, Project: cmp.Or(names[is.Project], is.Project), Spark: newSparkline(counts, start, time.Hour, sparkHours)})
		for _, e := range is.Environments {
			envs[e] = true
		}
	}
	for e := range envs {
		v.Environments = append(v.Environments, e)
	}
	slices.Sort(v.Environments)
	rels, err := s.deps.Errors.Releases(ctx, f.Project)
	if err != nil {
		return err
	}
	for i, rel := range rels {
		if i == 50 {
			break // the newest 50 are what people filter by
		}
		v.Releases = append(v.Releases, rel.Version)
	}
	return nil
}

// parseErrorsFilter reads the list's filter, naming the field at fault.
func parseErrorsFilter(q url.Values, projects []apperrors.Project) (errorsFilter, error) {
	f := errorsFilter{Project: q.Get("project"), Environment: q.Get("environment"), Release: q.Get("release"),
		Status: apperrors.Status(q.Get("status")), Limit: errorsPageIssues}
	if f.Project != "" {
		// The id, or the name the metrics and alerts label it with
		// (ErrorRateSpike links by label).
		i := slices.IndexFunc(projects, func(p apperrors.Project) bool { return p.ID == f.Project })
		if i < 0 {
			i = slices.IndexFunc(projects, func(p apperrors.Project) bool { return p.Name == f.Project })
		}
		if i < 0 {
			return f, badRequest("project: no project " + strconv.Quote(clip(f.Project, 64)) + " is configured")
		}
		f.Project = projects[i].ID
	}
	for _, kv := range [][2]string{{"environment", f.Environment}, {"release", f.Release}} {
		if err := checkFilterValue(kv[0], kv[1]); err != nil {
			return f, err
		}
	}
	switch f.Status {
	case "":
		f.Status = apperrors.StatusUnresolved
	case apperrors.StatusUnresolved, apperrors.StatusResolved, apperrors.StatusIgnored:
	default:
		return f, badRequest("status: want unresolved, resolved or ignored")
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > errorsPageMaxIssues {
			return f, badRequest(fmt.Sprintf("limit: want a number from 1 to %d", errorsPageMaxIssues))
		}
		f.Limit = n
	}
	return f, nil
}

// checkFilterValue refuses a filter value no event could carry.
func checkFilterValue(field, v string) error {
	if len(v) > maxFilterValue || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return badRequest(fmt.Sprintf("%s: want at most %d characters and no control characters", field, maxFilterValue))
	}
	return nil
}

// checkErrorID refuses anything that is not an issue or event id.
func checkErrorID(field, v string) error {
	ok := v != "" && len(v) <= maxErrorID && !strings.ContainsFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	})
	if !ok {
		return badRequest(fmt.Sprintf("%s: want an id of letters, digits, '-', '_' and '.', at most %d characters", field, maxErrorID))
	}
	return nil
}

// errorsErr gives apperrors' errors their kinds.
func errorsErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, apperrors.ErrNotFound):
		return errkind.Wrap(err, errkind.NotFound, "no such issue, event or project")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errkind.Wrap(err, errkind.Unavailable, "the request ended before the answer was ready")
	}
	return err
}

// errorsPageOf is s.page with the errors pages' style sheet and the
// Errors link current on every page below /errors.
func (s *Server) errorsPageOf(r *http.Request, title string) page {
	p := s.page(r, title)
	p.Current = "/errors"
	p.Styles = append(p.Styles, s.assets.path("errors.css"))
	return p
}

// errorsHref is /errors with f's parameters.
func errorsHref(f errorsFilter) string {
	if q := f.query().Encode(); q != "" {
		return "/errors?" + q
	}
	return "/errors"
}

// statusHref is the list with f but another status (the tabs).
func statusHref(f errorsFilter, st apperrors.Status) string {
	f.Status = st
	return errorsHref(f)
}

// countScope qualifies the list's counts under an environment filter:
// the service counts events and users per issue, over every
// environment, so the filter picks issues but not their counts.
func countScope(f errorsFilter) string {
	if f.Environment == "" {
		return ""
	}
	return " (all environments)"
}
