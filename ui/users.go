package ui

import (
	"net/http"
	"strings"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
)

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, v usersView) {
	p := auth.PrincipalFrom(r.Context())
	users, err := s.deps.Auth.Users(r.Context(), p)
	if err != nil {
		status, v.Error = s.formError(w, r, err)
	}
	v.Users, v.Self, v.TwoFactor, v.StepUntil = users, p.User.Name, p.User.TwoFactor, s.stepUpUntil(p)
	s.render(w, r, status, usersPage(s.page(r, "Users"), v))
}

// usersPage serves GET /admin/users.
func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, usersView{})
}

// createUser serves POST /admin/users.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	u, err := s.deps.Auth.CreateUser(r.Context(), auth.PrincipalFrom(r.Context()), auth.NewUser{
		Name: strings.TrimSpace(r.PostFormValue("username")), Email: strings.TrimSpace(r.PostFormValue("email")),
		Role: auth.Role(r.PostFormValue("role")), Password: r.PostFormValue("password"),
	})
	if err != nil {
		status, msg := s.formError(w, r, err)
		s.renderUsers(w, r, status, usersView{Error: msg})
		return
	}
	s.renderUsers(w, r, http.StatusOK, usersView{Notice: "User " + u.Name + " added."})
}

var errNoSuchAction = errkind.New(errkind.NotFound, "ui: unknown user action", "there is no such action on users")

// userAction serves POST /admin/users/{name}/{action}: role, disable,
// enable, reset-2fa, delete, reset-link and clear-throttle. All but
// clear-throttle need step-up (the auth service checks).
func (s *Server) userAction(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx, p, name := r.Context(), auth.PrincipalFrom(r.Context()), r.PathValue("name")
	var err error
	var v usersView
	switch r.PathValue("action") {
	case "role":
		role := auth.Role(r.PostFormValue("role"))
		err = s.deps.Auth.SetRole(ctx, p, name, role)
		v.Notice = name + " is now " + string(role) + "; their sessions were ended."
	case "disable":
		// Only from the confirmation page (GET .../disable), which lists
		// the API tokens that go with them.
		if r.PostFormValue("confirm") != "yes" {
			s.confirmDisableUser(w, r)
			return
		}
		err = s.deps.Auth.SetDisabled(ctx, p, name, true)
		v.Notice = name + " is disabled; their sessions were ended and their API tokens revoked."
	case "enable":
		err = s.deps.Auth.SetDisabled(ctx, p, name, false)
		v.Notice = name + " is enabled."
	case "reset-2fa":
		err = s.deps.Auth.ResetTwoFactor(ctx, p, name)
		v.Notice = "Two-factor authentication of " + name + " was reset; they set it up again at their next sign-in."
	case "delete":
		// Only from the confirmation page (GET .../delete).
		if r.PostFormValue("confirm") != "yes" {
			s.confirmDeleteUser(w, r)
			return
		}
		err = s.deps.Auth.DeleteUser(ctx, p, name)
		v.Notice = name + " was deleted. Their API tokens were revoked."
	case "clear-throttle":
		err = s.deps.Auth.ClearThrottle(ctx, p, name)
		v.Notice = "Failed sign-in attempts against " + name + " were forgotten."
	case "reset-link":
		var token string
		token, err = s.deps.Auth.CreateResetToken(ctx, p, name)
		v.ResetLink = strings.TrimSuffix(s.deps.ExternalURL.String(), "/") + "/reset-password?token=" + token
		v.Notice = ""
	default:
		s.fail(w, r, errNoSuchAction)
		return
	}
	if err != nil {
		status, msg := s.formError(w, r, err)
		s.renderUsers(w, r, status, usersView{Error: msg})
		return
	}
	s.renderUsers(w, r, http.StatusOK, v)
}

// apiClearThrottle serves POST /api/ward/users/{name}/clear-throttle for
// `ward user clear-throttle` against a running ward: the throttle lives
// in the running process's memory.
func (s *Server) apiClearThrottle(w http.ResponseWriter, r *http.Request) {
	if err := s.deps.Auth.ClearThrottle(r.Context(), auth.PrincipalFrom(r.Context()), r.PathValue("name")); err != nil {
		s.fail(w, r, err)
		return
	}
	writeData(w, http.StatusOK, map[string]string{"user": r.PathValue("name")})
}
