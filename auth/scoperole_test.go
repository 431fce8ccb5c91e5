package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/errkind"
)

// TestScopeAboveTokenRoleRefused: a viewer token cannot carry
// alerts:write, whose every route needs an operator; the refusal says
// what to do, and nothing is stored.
func TestScopeAboveTokenRoleRefused(t *testing.T) {
	e := newEnv(t, nil)
	cli := Local("cli:test")
	_, err := e.svc.CreateToken(e.ctx, cli, TokenSpec{Name: "am", Role: RoleViewer, Scopes: []Scope{ScopeAlertsWrite}})
	if !errors.Is(err, ErrScopeNeedsRole) {
		t.Fatalf("viewer + alerts:write: %v, want ErrScopeNeedsRole", err)
	}
	if _, msg := errkind.Of(err); !strings.Contains(msg, "alerts:write needs role operator") || !strings.Contains(err.Error(), "give the token role operator") {
		t.Errorf("message %q / %q", msg, err)
	}
	if _, err := e.svc.CreateToken(e.ctx, cli, TokenSpec{Name: "am", Role: RoleOperator, Scopes: []Scope{ScopeAlertsWrite}}); err != nil {
		t.Fatalf("operator + alerts:write: %v", err)
	}
	if _, err := e.svc.CreateToken(e.ctx, cli, TokenSpec{Name: "bk", Role: RoleViewer, Scopes: []Scope{ScopeBackupsPing, ScopeMetricsRead}}); err != nil {
		t.Fatalf("viewer + backups:ping, metrics:read: %v", err)
	}
}
