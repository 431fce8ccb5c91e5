package auth

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/errkind"
)

// Scope narrows an API token below its role (issue 13). A token with
// scopes may use only the routes that name one of them; a token without
// scopes has its whole role.
type Scope string

// The scopes. Each route of the HTTP route table names the scope that
// opens it to a scoped token (ui: endpoint.scope); most name none.
const (
	// ScopeMetricsRead reads metrics, rules, targets and alerts through
	// Prometheus' and Alertmanager's APIs (Grafana, promtool).
	ScopeMetricsRead Scope = "metrics:read"
	// ScopeAlertsWrite posts alerts and manages silences (amtool).
	ScopeAlertsWrite Scope = "alerts:write"
	// ScopeBackupsPing reports and runs backups: a backup script's token,
	// which cannot read metrics.
	ScopeBackupsPing Scope = "backups:ping"
	// ScopeAuditRead reads the audit trail and its verification through
	// /api/ward/audit (issue 14): a SIEM's or compliance tool's token.
	ScopeAuditRead Scope = "audit:read"
)

// Scopes lists every scope, in the order pages show them.
var Scopes = []Scope{ScopeMetricsRead, ScopeAlertsWrite, ScopeBackupsPing, ScopeAuditRead}

// ParseScope returns the scope called s.
func ParseScope(s string) (Scope, error) {
	if slices.Contains(Scopes, Scope(s)) {
		return Scope(s), nil
	}
	names := make([]string, len(Scopes))
	for i, sc := range Scopes {
		names[i] = string(sc)
	}
	return "", fmt.Errorf("%w %q: want one of %s", ErrInvalidScope, s, strings.Join(names, ", "))
}

// scopeMinRole is the least role that can use anything a scope opens:
// below it every route the scope opens refuses the token, so such a
// token could never work. ui's TestScopeMinRoles keeps it in step with
// the route table.
var scopeMinRole = map[Scope]Role{
	ScopeMetricsRead: RoleViewer,
	ScopeAlertsWrite: RoleOperator,
	ScopeBackupsPing: RoleViewer,
	ScopeAuditRead:   RoleAdmin,
}

// MinRole is the least role a token with sc needs for sc to open any
// route.
func (sc Scope) MinRole() Role {
	if r, ok := scopeMinRole[sc]; ok {
		return r
	}
	return RoleViewer
}

// ErrScopeNeedsRole means a token was asked for with a scope its role
// cannot use.
var ErrScopeNeedsRole = newError(errkind.Invalid, "scope needs a higher role")

// checkScopeRole refuses sc on a token of role when no route sc opens is
// open to role.
func checkScopeRole(sc Scope, role Role) error {
	if need := sc.MinRole(); !role.AtLeast(need) {
		msg := fmt.Sprintf("scopes: %s needs role %s or above (every endpoint it opens does); give the token role %s, or leave %s out", sc, need, need, sc)
		return errkind.Wrap(fmt.Errorf("%w: %s", ErrScopeNeedsRole, msg), errkind.Invalid, msg)
	}
	return nil
}

// ErrInvalidScope means a scope name is not one of Scopes.
var ErrInvalidScope = newError(errkind.Invalid, "invalid scope")

// TokenSpec is what a new API token is made with (CreateToken).
type TokenSpec struct {
	Name string
	// Role is the most the token may do; people may give a token at
	// most their own role.
	Role Role
	// Scopes narrow it further; empty means the whole role.
	Scopes []Scope
	// Expires is when it stops working; zero means the configured
	// default expiry from now.
	Expires time.Time
}

// Allows reports whether a principal with scopes may use a route that
// needs need: unscoped principals may use every route of their role,
// scoped ones only routes that name one of their scopes.
func Allows(scopes []Scope, need Scope) bool {
	return len(scopes) == 0 || need != "" && slices.Contains(scopes, need)
}
