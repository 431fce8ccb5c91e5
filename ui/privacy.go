package ui

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
)

var errNoPrivacy = errkind.New(errkind.NotFound, "ui: privacy service not wired", "export and erasure are not available")

// privacyView is what the privacy pages show.
type privacyView struct {
	Notice    PrivacyNotice
	Name      string // the person an admin page is about
	TwoFactor bool   // the viewer confirms step-up with a code, not the password
	StepUntil string // until when step-up holds, "" when it must be done
	Self      string // this page's path, where step-up returns
	Error     string
	Typed     string // the name typed to confirm an erasure, kept when it is refused
}

func (s *Server) privacyViewFor(r *http.Request, name string) privacyView {
	p := auth.PrincipalFrom(r.Context())
	v := privacyView{Name: name, Self: r.URL.Path, TwoFactor: p.User.TwoFactor, StepUntil: s.stepUpUntil(p)}
	if s.deps.Privacy != nil {
		v.Notice = s.deps.Privacy.Notice()
	}
	return v
}

// privacyPage serves GET /privacy: what ward stores about its users,
// why and for how long, and the download of one's own data.
func (s *Server) privacyPage(w http.ResponseWriter, r *http.Request) {
	v := s.privacyViewFor(r, auth.PrincipalFrom(r.Context()).User.Name)
	s.render(w, r, http.StatusOK, privacyPage(s.page(r, "Privacy"), v))
}

// exportOwn serves POST /account/export: the signed-in person's data.
func (s *Server) exportOwn(w http.ResponseWriter, r *http.Request) {
	s.export(w, r, auth.PrincipalFrom(r.Context()).User.Name, "/privacy")
}

// userExportPage serves GET /admin/users/{name}/export: step-up and
// the download button for an admin.
func (s *Server) userExportPage(w http.ResponseWriter, r *http.Request) {
	v := s.privacyViewFor(r, r.PathValue("name"))
	s.render(w, r, http.StatusOK, userExportPage(s.page(r, "Export "+v.Name), v))
}

// exportUser serves POST /admin/users/{name}/export.
func (s *Server) exportUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.export(w, r, name, "/admin/users/"+name+"/export")
}

// export answers with name's data as a JSON download, or with the
// refusal (step-up first) on the page at back.
func (s *Server) export(w http.ResponseWriter, r *http.Request, name, back string) {
	if !s.parseForm(w, r) {
		return
	}
	// Each export may hold up to apperrors' export bound of error
	// events (32 MiB) and its encoding: at most maxConcurrentExports at
	// once, the others are told to retry.
	if !s.exportSlot(w, r) {
		return
	}
	defer s.exportDone()
	if s.deps.Privacy == nil {
		s.fail(w, r, errNoPrivacy)
		return
	}
	data, err := s.deps.Privacy.Export(r.Context(), auth.PrincipalFrom(r.Context()), name)
	if err != nil {
		status, msg := s.formError(w, r, err)
		s.renderMessage(w, r, status, "Not exported", msg+" Confirm it is you on "+back+" and try again.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "ward-personal-data-" + name + ".json"}))
	w.Header().Set("Cache-Control", "no-store")
	// Encoded straight onto the response, compact: no indented copy of
	// the whole is built first (an export can be large: the error events
	// in it are bounded by the service, apperrors.MaxExportBytes). A
	// failure half-way cannot change the status any more; the cut JSON
	// does not parse, which the download shows.
	if err := writeCompact(w, data); err != nil {
		s.logger.Warn("privacy export: writing", "err", err)
	}
}

// exportSlot takes one of the export slots, or answers 503 with
// Retry-After and returns false when all are taken.
func (s *Server) exportSlot(w http.ResponseWriter, r *http.Request) bool {
	select {
	case s.exports <- struct{}{}:
		return true
	default:
		w.Header().Set("Retry-After", "10")
		s.renderMessage(w, r, http.StatusServiceUnavailable, "Not exported", "Other exports are being written; try again in a few seconds.")
		return false
	}
}

// exportDone gives back the slot exportSlot took.
func (s *Server) exportDone() { <-s.exports }

// maxConcurrentExports bounds the personal-data exports written at once.
const maxConcurrentExports = 2

// writeCompact encodes v onto w without indentation, and without
// escaping <, > and & (which would make event payloads full of them six
// times their stored size).
func writeCompact(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// confirmErase serves GET /admin/users/{name}/erase: what goes, that it
// cannot be undone, step-up, and the name typed to confirm.
func (s *Server) confirmErase(w http.ResponseWriter, r *http.Request) {
	v := s.privacyViewFor(r, r.PathValue("name"))
	s.render(w, r, http.StatusOK, confirmErasePage(s.page(r, "Erase "+v.Name), v))
}

// eraseSubmit serves POST /admin/users/{name}/erase (from the
// confirmation page, with the name typed again).
func (s *Server) eraseSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	name := r.PathValue("name")
	v := s.privacyViewFor(r, name)
	v.Typed = clip(r.PostFormValue("confirm_name"), 256)
	if strings.TrimSpace(v.Typed) != name {
		v.Error = "The name typed to confirm does not match: type " + name + " exactly, as shown, to erase this account."
		s.render(w, r, http.StatusUnprocessableEntity, confirmErasePage(s.page(r, "Erase "+name), v))
		return
	}
	if s.deps.Privacy == nil {
		s.fail(w, r, errNoPrivacy)
		return
	}
	res, err := s.deps.Privacy.Erase(r.Context(), auth.PrincipalFrom(r.Context()), name)
	if err != nil {
		status, msg := s.formError(w, r, err)
		v.Error = msg
		s.render(w, r, status, confirmErasePage(s.page(r, "Erase "+name), v))
		return
	}
	s.render(w, r, http.StatusOK, erasedPage(s.page(r, "Erased"), audit.Display(res.Pseudonym), res))
}
