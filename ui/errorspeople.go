package ui

import (
	"context"
	"net/http"
	"strings"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
)

// ErrorPeople is GDPR for the apps' end users (issue 16; app/privacyerrors.go):
// the error events their apps sent that name them, by user id, email or
// IP address. Admins only, after step-up; both audited.
type ErrorPeople interface {
	ExportAppUser(ctx context.Context, p *auth.Principal, ids []string) ([]apperrors.Event, error)
	EraseAppUser(ctx context.Context, p *auth.Principal, ids []string) (int, error)
}

var errNoErrorPeople = errkind.New(errkind.NotFound, "ui: error people not wired", "error tracking is not running")

// maxIdentifiersBytes bounds the identifiers field (20 lines of an
// email's longest, with room).
const maxIdentifiersBytes = 8 << 10

// errorPeopleView is /admin/errors/people.
type errorPeopleView struct {
	TwoFactor   bool
	StepUntil   string
	Identifiers string // as typed, kept when refused
	Error       string
	Erased      int // events erased, -1 before any erasure
}

func (s *Server) errorPeopleView(r *http.Request) errorPeopleView {
	p := auth.PrincipalFrom(r.Context())
	return errorPeopleView{TwoFactor: p.User.TwoFactor, StepUntil: s.stepUpUntil(p), Erased: -1}
}

// errorPeoplePage serves GET /admin/errors/people.
func (s *Server) errorPeoplePage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, errorPeoplePage(s.page(r, "App users' error events"), s.errorPeopleView(r)))
}

// identifiers reads the form's identifiers field, one a line.
func (s *Server) identifiers(w http.ResponseWriter, r *http.Request) (errorPeopleView, []string, bool) {
	if !s.parseForm(w, r) {
		return errorPeopleView{}, nil, false
	}
	if s.deps.ErrorPeople == nil {
		s.fail(w, r, errNoErrorPeople)
		return errorPeopleView{}, nil, false
	}
	v := s.errorPeopleView(r)
	v.Identifiers = clip(r.PostFormValue("identifiers"), maxIdentifiersBytes)
	return v, strings.Split(strings.ReplaceAll(v.Identifiers, "\r", ""), "\n"), true
}

// errorPeopleExport serves POST /admin/errors/people/export: the
// events as a JSON download.
func (s *Server) errorPeopleExport(w http.ResponseWriter, r *http.Request) {
	v, ids, ok := s.identifiers(w, r)
	if !ok {
		return
	}
	if !s.exportSlot(w, r) {
		return
	}
	defer s.exportDone()
	evs, x, err := s.exportAppUser(r.Context(), ids)
	if err != nil {
		status, msg := s.formError(w, r, err)
		v.Error = msg
		s.render(w, r, status, errorPeoplePage(s.page(r, "App users' error events"), v))
		return
	}
	s.servePeopleExport(w, evs, x)
}

// errorPeopleErase serves POST /admin/errors/people/erase; the box
// saying it cannot be undone must be ticked.
func (s *Server) errorPeopleErase(w http.ResponseWriter, r *http.Request) {
	v, ids, ok := s.identifiers(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		v.Error = "confirm: tick the box to say you understand the events cannot be restored."
		s.render(w, r, http.StatusUnprocessableEntity, errorPeoplePage(s.page(r, "App users' error events"), v))
		return
	}
	n, err := s.deps.ErrorPeople.EraseAppUser(r.Context(), auth.PrincipalFrom(r.Context()), ids)
	if err != nil {
		status, msg := s.formError(w, r, err)
		v.Error = msg
		s.render(w, r, status, errorPeoplePage(s.page(r, "App users' error events"), v))
		return
	}
	v.Erased, v.Identifiers = n, ""
	s.render(w, r, http.StatusOK, errorPeoplePage(s.page(r, "App users' error events"), v))
}
