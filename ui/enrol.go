package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// enrolments keeps, per session, the QR code and key that the enrolment
// page shows, so that the image route and a retry after a wrong code show
// the same secret. In memory only, for the enrolment's lifetime.
type enrolments struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*auth.Enrolment
}

func newEnrolments(now func() time.Time) *enrolments {
	return &enrolments{now: now, m: map[string]*auth.Enrolment{}}
}

func (e *enrolments) put(session string, en *auth.Enrolment) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	for k, v := range e.m {
		if !now.Before(v.Expires) {
			delete(e.m, k)
		}
	}
	e.m[session] = en
}

func (e *enrolments) get(session string) *auth.Enrolment {
	e.mu.Lock()
	defer e.mu.Unlock()
	en := e.m[session]
	if en == nil || !e.now().Before(en.Expires) {
		return nil
	}
	return en
}

func (e *enrolments) drop(session string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, session)
}

// enrolPage serves GET /account/2fa: the session's enrolment in progress
// (QR code, key and the confirming form), or the form that starts one.
// A GET changes nothing.
func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request) {
	p := auth.PrincipalFrom(r.Context())
	if p.User.TwoFactor {
		s.render(w, r, http.StatusOK, enrolledPage(s.page(r, "Two-factor authentication")))
		return
	}
	if en := s.enrolments.get(p.Session.ID); en != nil {
		s.render(w, r, http.StatusOK, enrolPage(s.page(r, "Set up two-factor authentication"), enrolView{Secret: en.Secret, Forced: p.User.MustEnrol}))
		return
	}
	s.render(w, r, http.StatusOK, enrolStartPage(s.page(r, "Set up two-factor authentication"), enrolView{Forced: p.User.MustEnrol}))
}

// enrolStart serves POST /account/2fa/start: with the password given
// again, a fresh secret is generated and the wizard shows it.
func (s *Server) enrolStart(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := auth.PrincipalFrom(r.Context())
	if p.User.TwoFactor {
		http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
		return
	}
	en, err := s.deps.Auth.BeginEnrolment(r.Context(), p, r.PostFormValue("password"))
	if err != nil {
		status, msg := s.formError(w, r, err)
		s.render(w, r, status, enrolStartPage(s.page(r, "Set up two-factor authentication"), enrolView{Error: msg, Forced: p.User.MustEnrol}))
		return
	}
	s.enrolments.put(p.Session.ID, en)
	http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
}

// enrolQR serves the QR code of the session's enrolment.
func (s *Server) enrolQR(w http.ResponseWriter, r *http.Request) {
	en := s.enrolments.get(auth.PrincipalFrom(r.Context()).Session.ID)
	if en == nil {
		s.fail(w, r, notFound("no two-factor enrolment in progress"))
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(en.QRCode)
}

// enrolConfirm serves POST /account/2fa: the confirming code turns 2FA on
// and shows the recovery codes once.
func (s *Server) enrolConfirm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := auth.PrincipalFrom(r.Context())
	res, err := s.deps.Auth.ConfirmEnrolment(r.Context(), p, r.PostFormValue("code"))
	if err != nil {
		status, msg := s.formError(w, r, err)
		en := s.enrolments.get(p.Session.ID)
		if en == nil || errors.Is(err, auth.ErrNoEnrolment) {
			s.render(w, r, status, enrolStartPage(s.page(r, "Set up two-factor authentication"), enrolView{Error: msg + " Start again for a new key.", Forced: p.User.MustEnrol}))
			return
		}
		s.render(w, r, status, enrolPage(s.page(r, "Set up two-factor authentication"), enrolView{Secret: en.Secret, Error: msg, Forced: p.User.MustEnrol}))
		return
	}
	s.enrolments.drop(p.Session.ID)
	s.setSessionCookie(w, r, res.Token)
	pg := s.page(r, "Two-factor authentication is on")
	pg.Nav = true
	s.render(w, r, http.StatusOK, recoveryCodesPage(pg, "Two-factor authentication is on", res.RecoveryCodes))
}

// maxRecoveryCodes bounds a download request.
const maxRecoveryCodes = 20

// recoveryCodesDownload serves POST /account/recovery-codes.txt: the codes
// the page just showed, posted back by the download button, as a text
// attachment. ward keeps no copy of them to serve.
func (s *Server) recoveryCodesDownload(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	codes := r.PostForm["code"]
	if len(codes) == 0 || len(codes) > maxRecoveryCodes {
		s.fail(w, r, badRequest("no recovery codes"))
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ward recovery codes for %s\nEach code signs you in once. Keep them safe.\n\n", auth.PrincipalFrom(r.Context()).User.Name)
	for _, c := range codes {
		if !recoveryCodeLike(c) {
			s.fail(w, r, badRequest("not a recovery code"))
			return
		}
		b.WriteString(c + "\n")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="ward-recovery-codes.txt"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(b.String()))
}

// recoveryCodeLike reports whether c has the shape of a recovery code,
// so that the download echoes nothing else.
func recoveryCodeLike(c string) bool {
	if len(c) == 0 || len(c) > 32 {
		return false
	}
	for _, r := range c {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
