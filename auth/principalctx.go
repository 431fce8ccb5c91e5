package auth

import (
	"context"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

type principalKey struct{}

// WithPrincipal returns ctx carrying p as who made the request.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns who made the request whose context is ctx, or nil
// when nobody did (a reload on SIGHUP, say).
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// SystemActor names ward itself in the audit trail, for what it does
// with nobody's request behind it.
const SystemActor = "ward"

// AuditRecord is the record of action on target, done at a time by
// whoever ctx's request is from (PrincipalFrom): their name and address,
// or SystemActor when no request is behind it. It is how records are
// built outside this package, from the HTTP server to a configuration
// reload.
func AuditRecord(ctx context.Context, at time.Time, action, target string, outcome audit.Outcome, details map[string]string) audit.Record {
	actor, ip := SystemActor, ""
	if p := PrincipalFrom(ctx); p != nil {
		actor, ip = p.User.Name, p.IP
	}
	return newRecord(at, actor, ip, action, target, outcome, details)
}

// newRecord builds every audit record of ward's: AuditRecord for
// requests, Service.record for the sign-in flows, where the actor is
// named before any principal exists.
func newRecord(at time.Time, actor, ip, action, target string, outcome audit.Outcome, details map[string]string) audit.Record {
	return audit.Record{
		Time: at, Actor: actor, ActorIP: ip, Action: action,
		Target: target, Outcome: outcome, Details: details,
	}
}
