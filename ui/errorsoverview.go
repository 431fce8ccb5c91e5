package ui

import (
	"context"
	"time"

	"github.com/a-h/templ"

	"github.com/ward-monitoring/ward/apperrors"
)

// newErrorsShown bounds the issues the overview names per project.
const newErrorsShown = 5

// newErrors is one project's issues first seen in its newest release.
type newErrors struct {
	Project apperrors.Project
	Release apperrors.Release // zero: no release seen
	Issues  []apperrors.Issue // unresolved, first seen in Release
	// More says the list was cut at the filter's limit.
	More bool
	Href string
	Err  string
}

// newErrorsSection is the overview's "New errors since the last
// deploy": for each project, the unresolved issues whose first release
// is its newest (Releases()[0]). Nil when error tracking has no
// projects, which hides the section.
func (s *Server) newErrorsSection(ctx context.Context, now time.Time) templ.Component {
	if s.deps.Errors == nil {
		return nil
	}
	ps := s.deps.Errors.Projects()
	if len(ps) == 0 {
		return nil
	}
	out := make([]newErrors, 0, len(ps))
	for _, p := range ps {
		out = append(out, s.projectNewErrors(ctx, p))
	}
	return newErrorsView(out, now)
}

// projectNewErrors reads one project's new issues; a failure shows on
// its line rather than failing the overview.
func (s *Server) projectNewErrors(ctx context.Context, p apperrors.Project) newErrors {
	ne := newErrors{Project: p, Href: errorsHref(errorsFilter{Project: p.ID})}
	rels, err := s.deps.Errors.Releases(ctx, p.ID)
	if err != nil {
		s.logger.Warn("overview: reading releases", "err", err, "project", p.ID)
		ne.Err = "could not be read"
		return ne
	}
	if len(rels) == 0 {
		return ne
	}
	ne.Release = rels[0]
	f := apperrors.IssueFilter{Project: p.ID, Release: ne.Release.Version, Status: apperrors.StatusUnresolved, Limit: errorsPageMaxIssues}
	ne.Href = errorsHref(errorsFilter{Project: p.ID, Release: ne.Release.Version})
	issues, err := s.deps.Errors.Issues(ctx, f)
	if err != nil {
		s.logger.Warn("overview: reading issues", "err", err, "project", p.ID)
		ne.Err = "could not be read"
		return ne
	}
	ne.More = len(issues) >= f.Limit
	for _, is := range issues {
		if is.FirstRelease == ne.Release.Version {
			ne.Issues = append(ne.Issues, is)
		}
	}
	return ne
}
