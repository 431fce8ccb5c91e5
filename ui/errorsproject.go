package ui

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/apperrors/ingest"
)

// projectView is a project's page: its DSN and how to use it.
type projectView struct {
	Project apperrors.Project
	Snippet string
	// Release is the newest release seen, or "".
	Release apperrors.Release
	// Stats are the project's ingest requests since start; nil when
	// not known.
	Stats *ingest.Stats
}

// refusal is one reason requests were refused, for the page.
type refusal struct {
	Reason string
	Count  int64
}

// refusals are st's refused requests by reason, the empty ones left out.
func refusals(st ingest.Stats) []refusal {
	var out []refusal
	for _, r := range []refusal{
		{"wrong or missing key (check the DSN)", st.BadKey},
		{"malformed request", st.BadRequest},
		{"too large", st.TooLarge},
		{"over the project's rate limit", st.RateLimited},
		{"ward was busy", st.Busy},
	} {
		if r.Count > 0 {
			out = append(out, r)
		}
	}
	return out
}

// projectConfigExample is the errors section the empty /errors page
// suggests.
const projectConfigExample = `errors:
  projects:
    - id: "1"
      name: shop
      keys: ["<32 random hex digits: openssl rand -hex 16>"]`

// errorProjectPage serves GET /errors/projects/{id}: the DSN to paste
// into the app's settings, with a Django snippet.
func (s *Server) errorProjectPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if s.deps.Errors == nil {
		s.fail(w, r, errNoErrors)
		return
	}
	ps := s.deps.Errors.Projects()
	i := slices.IndexFunc(ps, func(p apperrors.Project) bool { return p.ID == id })
	if i < 0 {
		s.fail(w, r, notFound("no project "+strconv.Quote(clip(id, 64))+" is configured"))
		return
	}
	v := projectView{Project: ps[i], Snippet: djangoSnippet(ps[i].DSN)}
	rels, err := s.deps.Errors.Releases(r.Context(), id)
	if err != nil {
		s.fail(w, r, errorsErr(err))
		return
	}
	if len(rels) > 0 {
		v.Release = rels[0]
	}
	if f := s.deps.ErrorIngestStats; f != nil {
		st := f(id)
		v.Stats = &st
	}
	p := s.errorsPageOf(r, ps[i].Name+": setup")
	p.Scripts = append(p.Scripts, s.assets.path("errors.js"))
	s.render(w, r, http.StatusOK, projectPageView(p, v))
}

// djangoSnippet is what goes into a Django project's settings.py.
func djangoSnippet(dsn string) string {
	return `import os

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

sentry_sdk.init(
    dsn=` + strconv.Quote(dsn) + `,
    integrations=[DjangoIntegration()],
    # ward's NewErrorIssue and ErrorRateSpike alerts watch "production".
    environment=os.environ.get("APP_ENVIRONMENT", "production"),
    # The deployed version (a tag or a commit): the overview shows the
    # issues new in the latest release.
    release=os.environ.get("APP_RELEASE"),
    send_default_pii=False,
)`
}
