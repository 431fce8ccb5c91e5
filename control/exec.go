package control

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// Backend is what commands act on: a running ward's or one opened by
// the command line while no ward runs. Either may be nil when the
// caller serves no command that needs it.
type Backend struct {
	Auth *auth.Service
	// Verify checks the audit trail against the external anchors.
	Verify func(now time.Time, anchors ...audit.External) (audit.Result, error)
	// Ops are further commands by name (issue 14), served by the
	// packages that own them; the wiring (package app) fills this in.
	Ops map[string]Op
}

// Op runs one command of Backend.Ops as p. It checks p's rights and
// audits what it changes, as the web UI's path to the same service does.
type Op func(ctx context.Context, p *auth.Principal, req Request) (Response, error)

// errNoBackend means the backend lacks what the command needs.
var errNoBackend = errors.New("control: command not available here")

// Exec runs req as p on b: the same auth.Service calls, and so the same
// audit records, whichever way the command came. Failures are in the
// response's Error.
func Exec(ctx context.Context, b Backend, p *auth.Principal, req Request) Response {
	resp, err := exec(ctx, b, p, req)
	if err != nil {
		// The command line shows Error to a person: auth's package
		// prefix means nothing to them (fix13b).
		return Response{Error: strings.TrimPrefix(err.Error(), "auth: "), Actor: p.User.Name}
	}
	resp.Actor = p.User.Name
	return resp
}

// commands lists every command Exec knows.
var commands = []string{UserAdd, UserList, UserSetRole, UserSetPassword, UserResetLink, UserReset2FA,
	UserDisable, UserEnable, UserClearThrottle, TokenCreate, TokenList, TokenRevoke, AuditVerify}

func exec(ctx context.Context, b Backend, p *auth.Principal, req Request) (Response, error) {
	if op, ok := b.Ops[req.Command]; ok {
		return op(ctx, p, req)
	}
	if !slices.Contains(commands, req.Command) {
		return Response{}, fmt.Errorf("control: unknown command %q", req.Command)
	}
	if req.Command == AuditVerify {
		return verify(b, req)
	}
	svc := b.Auth
	if svc == nil {
		return Response{}, errNoBackend
	}
	var resp Response
	var err error
	switch req.Command {
	case UserAdd:
		var r auth.Role
		if r, err = auth.ParseRole(req.Role); err != nil {
			return resp, err
		}
		var u auth.User
		u, err = svc.CreateUser(ctx, p, auth.NewUser{Name: req.Name, Email: req.Email, Role: r, Password: req.Password})
		resp.User = &u
	case UserList:
		resp.Users, err = svc.Users(ctx, p)
	case UserSetRole:
		err = svc.SetRole(ctx, p, req.Name, auth.Role(req.Role))
	case UserSetPassword:
		err = svc.SetPassword(ctx, p, req.Name, req.Password)
	case UserResetLink:
		resp.Token, err = svc.CreateResetToken(ctx, p, req.Name)
	case UserReset2FA:
		err = svc.ResetTwoFactor(ctx, p, req.Name)
	case UserDisable, UserEnable:
		err = svc.SetDisabled(ctx, p, req.Name, req.Command == UserDisable)
	case UserClearThrottle:
		err = svc.ClearThrottle(ctx, p, req.Name)
	case TokenCreate:
		if resp.Token, err = createToken(ctx, svc, p, req); err == nil {
			// What was stored (the default expiry is the server's).
			resp.Tokens, err = tokenNamed(ctx, svc, p, req.Name)
		}
	case TokenList:
		resp.Tokens, err = svc.APITokens(ctx, p)
	case TokenRevoke:
		err = svc.RevokeAPIToken(ctx, p, req.Name)
	}
	return resp, err
}

func createToken(ctx context.Context, svc *auth.Service, p *auth.Principal, req Request) (string, error) {
	r, err := auth.ParseRole(req.Role)
	if err != nil {
		return "", err
	}
	spec := auth.TokenSpec{Name: req.Name, Role: r, Expires: req.Expires}
	for _, s := range req.Scopes {
		sc, err := auth.ParseScope(s)
		if err != nil {
			return "", err
		}
		spec.Scopes = append(spec.Scopes, sc)
	}
	return svc.CreateToken(ctx, p, spec)
}

// tokenNamed lists the API token called name.
func tokenNamed(ctx context.Context, svc *auth.Service, p *auth.Principal, name string) ([]auth.APIToken, error) {
	all, err := svc.APITokens(ctx, p)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(t auth.APIToken) bool { return t.Name != name }), nil
}

// verify checks the audit trail; it changes nothing, so it is not
// itself audited, whichever way it runs.
func verify(b Backend, req Request) (Response, error) {
	if b.Verify == nil {
		return Response{}, errNoBackend
	}
	anchors := make([]audit.External, 0, len(req.Anchors))
	for _, s := range req.Anchors {
		a, err := audit.ParseExternal(s)
		if err != nil {
			return Response{}, fmt.Errorf("anchor %q: %w", s, err)
		}
		anchors = append(anchors, a)
	}
	res, err := b.Verify(time.Now(), anchors...)
	if err != nil {
		return Response{}, err
	}
	return Response{Audit: &res}, nil
}
