package ui

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/ward-monitoring/ward/apperrors"
)

const (
	// newErrorsShown bounds the issues the overview names per tile.
	newErrorsShown = 5
	// newErrorsEnvs bounds the environments shown per project
	// (production first).
	newErrorsEnvs = 4
	// prodEnvironment sorts first: its deploys matter most.
	prodEnvironment = "production"
)

// newErrors is one project's issues in one environment first seen in
// that environment's newest release.
type newErrors struct {
	Project     apperrors.Project
	Environment string            // "" when the events name none
	Index       int               // of the tile within the project, for its id
	Release     apperrors.Release // zero: no release seen
	Issues      []apperrors.Issue // unresolved, first seen in Release
	// More says the list was cut at the filter's limit.
	More bool
	Href string
	Err  string
}

// newErrorsSection is the overview's "New errors since the last
// deploy": for each project and environment (production first), the
// unresolved issues whose first release is that environment's newest.
// Nil when error tracking has no projects, which hides the section.
func (s *Server) newErrorsSection(ctx context.Context, now time.Time) templ.Component {
	if s.deps.Errors == nil {
		return nil
	}
	ps := s.deps.Errors.Projects()
	if len(ps) == 0 {
		return nil
	}
	var out []newErrors
	for _, p := range ps {
		out = append(out, s.projectNewErrors(ctx, p)...)
	}
	return newErrorsView(out, now)
}

// projectNewErrors reads one project's new issues per environment; a
// failure shows on its tile rather than failing the overview.
//
// Releases carry no environment (a release is the project's), so each
// environment's newest release is derived from its issues: the
// releases its issues surely saw there (see envNewErrors), the newest by
// the project's release order.
// Then a staging release candidate no longer hides production's new
// issues. A release that brought no error to an environment cannot be
// seen there: the tile then names the newest release that did.
func (s *Server) projectNewErrors(ctx context.Context, p apperrors.Project) []newErrors {
	fail := func(what string, err error) []newErrors {
		s.logger.Warn("overview: reading "+what, "err", err, "project", p.ID)
		return []newErrors{{Project: p, Href: errorsHref(errorsFilter{Project: p.ID}), Err: "could not be read"}}
	}
	rels, err := s.deps.Errors.Releases(ctx, p.ID)
	if err != nil {
		return fail("releases", err)
	}
	var all []apperrors.Issue
	for _, st := range []apperrors.Status{apperrors.StatusUnresolved, apperrors.StatusResolved, apperrors.StatusIgnored} {
		is, err := s.deps.Errors.Issues(ctx, apperrors.IssueFilter{Project: p.ID, Status: st, Limit: apperrors.MaxIssues})
		if err != nil {
			return fail("issues", err)
		}
		all = append(all, is...)
	}
	envs := issueEnvironments(all)
	if len(envs) == 0 { // no issue yet: the project's newest release, if any
		ne := newErrors{Project: p, Href: errorsHref(errorsFilter{Project: p.ID})}
		if len(rels) > 0 {
			ne.Release = rels[0]
		}
		return []newErrors{ne}
	}
	out := make([]newErrors, 0, len(envs))
	for i, env := range envs {
		out = append(out, envNewErrors(p, env, i, rels, all))
	}
	return out
}

// issueEnvironments are the environments the issues name, production
// first, then by name, at most newErrorsEnvs.
func issueEnvironments(all []apperrors.Issue) []string {
	var envs []string
	for _, is := range all {
		for _, e := range is.Environments {
			if !slices.Contains(envs, e) {
				envs = append(envs, e)
			}
		}
	}
	slices.SortFunc(envs, func(a, b string) int {
		if (a == prodEnvironment) != (b == prodEnvironment) {
			if a == prodEnvironment {
				return -1
			}
			return 1
		}
		return cmp.Compare(a, b)
	})
	return envs[:min(len(envs), newErrorsEnvs)]
}

// envNewErrors is one environment's tile (see projectNewErrors).
func envNewErrors(p apperrors.Project, env string, i int, rels []apperrors.Release, all []apperrors.Issue) newErrors {
	ne := newErrors{Project: p, Environment: env, Index: i, Href: errorsHref(errorsFilter{Project: p.ID, Environment: env})}
	rank := func(v string) int { // rels are newest first; unknown last
		if j := slices.IndexFunc(rels, func(r apperrors.Release) bool { return r.Version == v }); j >= 0 {
			return j
		}
		return len(rels)
	}
	// Sure evidence that env saw a release: an issue seen only in env
	// (each of its releases), or with only one release (that one). An
	// issue seen in several environments and releases is only a guess
	// (its LastRelease), used when nothing sure is known.
	best, sure := "", false
	consider := func(v string, isSure bool) {
		switch {
		case v == "" || (sure && !isSure):
		case best == "", isSure && !sure, rank(v) < rank(best):
			best, sure = v, isSure
		}
	}
	for _, is := range all {
		if !slices.Contains(is.Environments, env) {
			continue
		}
		switch {
		case len(is.Environments) == 1:
			for _, v := range is.Releases {
				consider(v, true)
			}
			consider(is.LastRelease, true)
		case len(is.Releases) == 1:
			consider(is.Releases[0], true)
		default:
			consider(is.LastRelease, false)
		}
	}
	if best == "" {
		return ne
	}
	ne.Release = apperrors.Release{Project: p.ID, Version: best}
	if j := rank(best); j < len(rels) {
		ne.Release = rels[j]
	}
	ne.Href = errorsHref(errorsFilter{Project: p.ID, Environment: env, Release: best})
	for _, is := range all {
		if is.Status == apperrors.StatusUnresolved && is.FirstRelease == best && slices.Contains(is.Environments, env) {
			ne.Issues = append(ne.Issues, is)
		}
	}
	ne.More = len(ne.Issues) >= apperrors.MaxIssues
	return ne
}

// tileID is the tile's element id.
func (ne newErrors) tileID() string {
	return "tile-errors-" + ne.Project.ID + "-" + strconv.Itoa(ne.Index)
}
