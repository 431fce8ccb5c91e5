package ui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
)

// The API tokens page (issue 13): GET /account/tokens for everyone (their
// own tokens) and GET /admin/tokens for admins (every token; admins see
// every token on both). Making a token needs a step-up; the token is
// shown once, with snippets for Grafana, amtool and promtool.

// expiringWithin flags tokens that stop working soon (and the
// APITokenExpiringSoon alert fires for them).
const expiringWithin = 7 * 24 * time.Hour

var (
	errTokenExpiryChoice = errkind.New(errkind.Invalid, "ui: bad token expiry choice",
		"expiry: choose one of the listed expiries, or custom with a date")
	errTokenExpiryDate = errkind.New(errkind.Invalid, "ui: bad token expiry date",
		"expiry date: enter a date as YYYY-MM-DD")
)

// tokenRow is one token in the list.
type tokenRow struct {
	auth.APIToken
	// Flag is "expired", "expires in N days" (within expiringWithin) or
	// "".
	Flag    string
	Expired bool
	// FromCLI marks tokens made on the command line ("cli:root").
	FromCLI bool
}

// expiryOption is one choice of the expiry select.
type expiryOption struct {
	Value, Label string
}

// newToken is a token just made, shown once.
type newToken struct {
	Name, Token, Base string
	Role              auth.Role
	Scopes            []auth.Scope
}

type tokensView struct {
	Tokens []tokenRow
	All    bool // an admin's view: every token
	Self   string
	Roles  []auth.Role // the roles the viewer may give a token
	// Offered are the scopes a token of one of Roles can use.
	Offered   []auth.Scope
	Expiries  []expiryOption
	TwoFactor bool
	StepUntil string
	Error     string
	Notice    string
	New       *newToken
	// The form as sent, kept when it failed.
	Name, Role, Expiry, Date string
	Scopes                   []auth.Scope
}

// renderTokens shows the page; v carries what the request changed.
func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, v tokensView) {
	p := auth.PrincipalFrom(r.Context())
	tokens, err := s.deps.Auth.APITokens(r.Context(), p)
	if err != nil {
		status, v.Error = s.formError(w, r, err)
	}
	now := s.now()
	v.Tokens = v.Tokens[:0]
	for _, t := range tokens {
		v.Tokens = append(v.Tokens, tokenRowAt(t, now))
	}
	v.All = p.Can(auth.RoleAdmin)
	v.Self, v.TwoFactor, v.StepUntil = r.URL.Path, p.User.TwoFactor, s.stepUpUntil(p)
	if v.Self != "/admin/tokens" {
		v.Self = "/account/tokens"
	}
	for _, role := range auth.Roles {
		if p.User.Role.AtLeast(role) {
			v.Roles = append(v.Roles, role)
		}
	}
	for _, sc := range auth.Scopes {
		if p.User.Role.AtLeast(sc.MinRole()) {
			v.Offered = append(v.Offered, sc)
		}
	}
	v.Expiries = s.expiryOptions()
	if v.Expiry == "" {
		v.Expiry = "default"
	}
	if v.Role == "" {
		v.Role = string(auth.RoleViewer)
	}
	// The page may hold a token shown once: no cache may keep it.
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, tokensPage(s.page(r, "API tokens"), v))
}

func tokenRowAt(t auth.APIToken, now time.Time) tokenRow {
	row := tokenRow{APIToken: t, FromCLI: strings.HasPrefix(t.CreatedBy, "cli:")}
	switch left := t.Expires.Sub(now); {
	case t.Expires.IsZero():
	case t.ExpiredAt(now):
		row.Flag, row.Expired = "expired", true
	case left <= expiringWithin:
		days := int(left.Hours() / 24)
		switch days {
		case 0:
			row.Flag = "expires within a day"
		case 1:
			row.Flag = "expires in 1 day"
		default:
			row.Flag = "expires in " + strconv.Itoa(days) + " days"
		}
	}
	return row
}

// expiryOptions are the expiry select's choices: the configured default
// first, then 30 days, 90 days and a year (less the default), then a
// date.
func (s *Server) expiryOptions() []expiryOption {
	def := s.deps.Auth.DefaultTokenExpiry()
	out := []expiryOption{{"default", durationLabel(def) + " (default)"}}
	for _, d := range []int{30, 90, 365} {
		if time.Duration(d)*24*time.Hour != def {
			out = append(out, expiryOption{strconv.Itoa(d) + "d", durationLabel(time.Duration(d) * 24 * time.Hour)})
		}
	}
	return append(out, expiryOption{"custom", "until a date…"})
}

func durationLabel(d time.Duration) string {
	switch {
	case d == 365*24*time.Hour:
		return "1 year"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	}
	return d.String()
}

// parseExpiry turns the form's expiry choice into a time: zero for the
// default, now plus the days chosen, or the end of the custom date (UTC).
// The auth service checks the bounds.
func parseExpiry(choice, date string, now time.Time) (time.Time, error) {
	switch choice {
	case "default", "":
		return time.Time{}, nil
	case "30d", "90d", "365d":
		days, _ := strconv.Atoi(strings.TrimSuffix(choice, "d"))
		return now.Add(time.Duration(days) * 24 * time.Hour), nil
	case "custom":
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(date))
		if err != nil {
			return time.Time{}, errTokenExpiryDate
		}
		return d.Add(24 * time.Hour), nil
	}
	return time.Time{}, errTokenExpiryChoice
}

// tokensPage serves GET /account/tokens and GET /admin/tokens.
func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, tokensView{})
}

// createTokenSubmit serves POST /account/tokens: make a token (step-up)
// and show it once.
func (s *Server) createTokenSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	v := tokensView{
		Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role"),
		Expiry: r.PostFormValue("expiry"), Date: r.PostFormValue("date"),
	}
	spec := auth.TokenSpec{Name: v.Name, Role: auth.Role(v.Role)}
	var err error
	for _, sc := range r.PostForm["scope"] {
		var scope auth.Scope
		if scope, err = auth.ParseScope(sc); err != nil {
			break
		}
		if !slices.Contains(spec.Scopes, scope) {
			spec.Scopes = append(spec.Scopes, scope)
		}
	}
	v.Scopes = spec.Scopes
	if err == nil {
		spec.Expires, err = parseExpiry(v.Expiry, v.Date, s.now())
	}
	var token string
	if err == nil {
		token, err = s.deps.Auth.CreateToken(r.Context(), auth.PrincipalFrom(r.Context()), spec)
	}
	if err != nil {
		status, msg := s.formError(w, r, err)
		v.Error = msg
		s.renderTokens(w, r, status, v)
		return
	}
	base := strings.TrimSuffix(s.deps.ExternalURL.String(), "/")
	s.renderTokens(w, r, http.StatusOK, tokensView{
		Notice: "API token " + spec.Name + " created.",
		New:    &newToken{Name: spec.Name, Token: token, Base: base, Role: spec.Role, Scopes: spec.Scopes},
	})
}

// visibleToken finds the token called name among those p may manage.
func (s *Server) visibleToken(r *http.Request, name string) (auth.APIToken, error) {
	tokens, err := s.deps.Auth.APITokens(r.Context(), auth.PrincipalFrom(r.Context()))
	if err != nil {
		return auth.APIToken{}, err
	}
	for _, t := range tokens {
		if t.Name == name {
			return t, nil
		}
	}
	return auth.APIToken{}, auth.ErrTokenNotFound
}

// confirmRevokeToken serves GET /account/tokens/{name}/revoke: the page
// that asks before POST revokes.
func (s *Server) confirmRevokeToken(w http.ResponseWriter, r *http.Request) {
	t, err := s.visibleToken(r, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, confirmRevokeTokenPage(s.page(r, "Revoke "+t.Name), tokenRowAt(t, s.now())))
}

// revokeTokenSubmit serves POST /account/tokens/{name}/revoke (from the
// confirmation page only).
func (s *Server) revokeTokenSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		s.confirmRevokeToken(w, r)
		return
	}
	name := r.PathValue("name")
	if err := s.deps.Auth.RevokeAPIToken(r.Context(), auth.PrincipalFrom(r.Context()), name); err != nil {
		status, msg := s.formError(w, r, err)
		s.renderTokens(w, r, status, tokensView{Error: msg})
		return
	}
	s.renderTokens(w, r, http.StatusOK, tokensView{Notice: "API token " + name + " revoked; it no longer works."})
}
