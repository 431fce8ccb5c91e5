package ui

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
)

// Bounds of the issue page.
const (
	// issueSamples is how many kept samples the page lists.
	issueSamples = 50
	// maxFramesShown bounds an exception's frames on the page (the
	// innermost are kept: they are where it was raised).
	maxFramesShown = 200
)

// readErrorEvent is data.read's "what" for an error event's payload
// (request, user, breadcrumbs): issue 14 counts it as sensitive.
const readErrorEvent = "error-event"

// issueView is an issue's page.
type issueView struct {
	Issue    apperrors.Issue
	Project  apperrors.Project
	Operator bool
	Chart    issueChart
	// Event is the sample shown (nil: none kept); Samples the others.
	Event   *apperrors.Event
	Samples []apperrors.Event
	// Chain is Event's exceptions, the one raised last first.
	Chain []exceptionView
	Back  string
	// Changed is the notice after a status change (nil: none).
	Changed *changedNotice
	// DefaultRange is the chart's range when the URL names none (links
	// leave it out).
	DefaultRange string
}

// exceptionView is one exception with its frames grouped: in-app
// frames one by one, runs of library frames folded together.
type exceptionView struct {
	Exception apperrors.Exception
	Groups    []frameGroup
	// Cut is how many outer frames are left out (maxFramesShown).
	Cut int
}

// frameGroup is one in-app frame or a run of other frames, most recent
// call first.
type frameGroup struct {
	InApp  bool
	Frames []apperrors.Frame
}

// errorIssuePage serves GET /errors/issues/{id}: the issue, its chart
// (?range=24h or 14d) and a sample (?event=ID, default the newest).
func (s *Server) errorIssuePage(w http.ResponseWriter, r *http.Request) {
	id, q := r.PathValue("id"), r.URL.Query()
	if err := checkErrorID("id", id); err != nil || s.deps.Errors == nil {
		s.fail(w, r, errNoErrors)
		return
	}
	rng := q.Get("range")
	if _, ok := issueRanges[rng]; !ok && rng != "" {
		s.fail(w, r, badRequest("range: want 24h or 14d"))
		return
	}
	eventID := q.Get("event")
	if eventID != "" {
		if err := checkErrorID("event", eventID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	ctx, svc := r.Context(), s.deps.Errors
	is, err := svc.Issue(ctx, id)
	if err != nil {
		s.fail(w, r, errorsErr(err))
		return
	}
	v := issueView{Issue: is, Project: apperrors.Project{ID: is.Project, Name: is.Project},
		Operator: auth.PrincipalFrom(ctx).Can(auth.RoleOperator), Back: r.URL.RequestURI(),
		DefaultRange: defaultRange(is.FirstSeen, s.now())}
	rng = cmp.Or(rng, v.DefaultRange)
	if i := slices.IndexFunc(svc.Projects(), func(p apperrors.Project) bool { return p.ID == is.Project }); i >= 0 {
		v.Project = svc.Projects()[i]
	}
	v.Changed = s.changedNoticeOf(r)
	start, end := chartWindow(rng, s.now())
	counts, err := svc.Counts(ctx, id, start, end, issueRanges[rng].step)
	if err != nil {
		s.fail(w, r, errorsErr(err))
		return
	}
	v.Chart = newIssueChart(counts, rng, start)
	samples, err := svc.SampleSummaries(ctx, id, issueSamples)
	if err != nil {
		s.fail(w, r, errorsErr(err))
		return
	}
	// The sample shown is read whole: the newest, or the one asked for
	// (it must be this issue's).
	if eventID == "" && len(samples) > 0 {
		eventID = samples[0].ID
	}
	if eventID != "" {
		ev, err := svc.Event(ctx, eventID)
		if err == nil && ev.IssueID != id {
			err = apperrors.ErrNotFound
		}
		if err != nil {
			s.fail(w, r, errorsErr(err))
			return
		}
		v.Event = &ev
	}
	for _, ev := range samples {
		if v.Event == nil || ev.ID != v.Event.ID {
			v.Samples = append(v.Samples, ev)
		}
	}
	if v.Event != nil {
		if err := s.auditPolledRead(r, readErrorEvent, v.Event.ID, 1); err != nil {
			s.fail(w, r, err)
			return
		}
		v.Chain = exceptionChain(v.Event.Exceptions)
	}
	s.render(w, r, http.StatusOK, issuePageView(s.errorsPageOf(r, clip(is.Title, 80)), v))
}

// exceptionChain lays out an event's exceptions, the last raised first
// (Sentry sends the chain oldest first), each with its frames most
// recent call first.
func exceptionChain(excs []apperrors.Exception) []exceptionView {
	out := make([]exceptionView, 0, len(excs))
	for i := len(excs) - 1; i >= 0; i-- {
		ex := excs[i]
		fs := ex.Frames
		cut := max(0, len(fs)-maxFramesShown)
		fs = fs[cut:]
		ev := exceptionView{Exception: ex, Cut: cut}
		for j := len(fs) - 1; j >= 0; j-- {
			f := fs[j]
			n := len(ev.Groups)
			if f.InApp || n == 0 || ev.Groups[n-1].InApp {
				ev.Groups = append(ev.Groups, frameGroup{InApp: f.InApp, Frames: []apperrors.Frame{f}})
				continue
			}
			ev.Groups[n-1].Frames = append(ev.Groups[n-1].Frames, f)
		}
		out = append(out, ev)
	}
	return out
}

// frameWhere names a frame: "module in function" with its file and line.
func frameWhere(f apperrors.Frame) string {
	where := cmp.Or(f.Module, f.Filename, f.AbsPath, "?")
	if f.Function != "" {
		where += " in " + f.Function
	}
	if f.Lineno > 0 {
		where += " at line " + strconv.Itoa(f.Lineno)
	}
	return where
}

// contextLine is one source line of a frame.
type contextLine struct {
	No      int
	Text    string
	Current bool
}

// frameContext is a frame's source lines around the current one,
// numbered when the line number is known.
func frameContext(f apperrors.Frame) []contextLine {
	if f.ContextLine == "" && len(f.PreContext) == 0 && len(f.PostContext) == 0 {
		return nil
	}
	var out []contextLine
	first := f.Lineno - len(f.PreContext)
	for i, l := range f.PreContext {
		out = append(out, contextLine{No: first + i, Text: l})
	}
	out = append(out, contextLine{No: f.Lineno, Text: f.ContextLine, Current: true})
	for i, l := range f.PostContext {
		out = append(out, contextLine{No: f.Lineno + 1 + i, Text: l})
	}
	return out
}

// href is the issue page with the chart's range rng (left out when it
// is the default) and a sample.
func (v issueView) href(rng, event string) string {
	return issueHref(v.Issue.ID, rng, v.DefaultRange, event)
}

// issueHref is an issue's page with its range, unless def, and a sample.
func issueHref(id, rng, def, event string) string {
	u := "/errors/issues/" + id
	q := ""
	if rng != "" && rng != def {
		q += "&range=" + rng
	}
	if event != "" {
		q += "&event=" + event
	}
	if q != "" {
		u += "?" + q[1:]
	}
	return u
}

// sortedKeys are m's keys in order, for tags and headers.
func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
