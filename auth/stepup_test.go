package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

// allRecords selects every audit record.
var allRecords = audit.Query{}

// TestSensitiveActionsNeedStepUp checks the sensitive table as a whole:
// an admin whose last second-factor proof is older than StepUpWindow is
// refused every one of them (review finding: creating an admin and
// issuing reset links for other admins needed no step-up), and nothing
// changed; after a step-up each is allowed.
func TestSensitiveActionsNeedStepUp(t *testing.T) {
	type action struct {
		name string
		do   func(ctx context.Context, s *Service, p *Principal) error
	}
	sensitive := []action{
		{"create user", func(ctx context.Context, s *Service, p *Principal) error {
			_, err := s.CreateUser(ctx, p, NewUser{Name: "mallory", Role: RoleAdmin, Password: testPassword})
			return err
		}},
		{"set role", func(ctx context.Context, s *Service, p *Principal) error {
			return s.SetRole(ctx, p, "target", RoleAdmin)
		}},
		{"disable", func(ctx context.Context, s *Service, p *Principal) error {
			return s.SetDisabled(ctx, p, "target", true)
		}},
		{"reset 2fa", func(ctx context.Context, s *Service, p *Principal) error {
			return s.ResetTwoFactor(ctx, p, "target")
		}},
		{"set password", func(ctx context.Context, s *Service, p *Principal) error {
			return s.SetPassword(ctx, p, "target", "a whole new passphrase 42")
		}},
		{"reset link", func(ctx context.Context, s *Service, p *Principal) error {
			_, err := s.CreateResetToken(ctx, p, "target")
			return err
		}},
		{"create API token", func(ctx context.Context, s *Service, p *Principal) error {
			_, err := s.CreateAPIToken(ctx, p, "grafana", RoleAdmin)
			return err
		}},
		{"regenerate recovery codes", func(ctx context.Context, s *Service, p *Principal) error {
			_, err := s.RegenerateRecoveryCodes(ctx, p)
			return err
		}},
		{"delete user", func(ctx context.Context, s *Service, p *Principal) error {
			return s.DeleteUser(ctx, p, "target")
		}},
	}
	for _, a := range sensitive {
		t.Run(a.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.addUser(t, "boss", RoleAdmin)
			e.addUser(t, "target", RoleAdmin)
			en := e.enrol(t, "boss")
			e.clk.Advance(StepUpWindow + time.Second)
			p := e.auth(t, en.token)
			before := len(e.records(t, allRecords))
			if err := a.do(e.ctx, e.svc, p); !errors.Is(err, ErrStepUpRequired) {
				t.Fatalf("with a stale step-up: %v, want ErrStepUpRequired", err)
			}
			if after := len(e.records(t, allRecords)); after != before {
				t.Fatalf("a refused action wrote %d audit records", after-before)
			}
			if err := e.svc.StepUp(e.ctx, p, code(t, en.secret, e.clk.Now())); err != nil {
				t.Fatal(err)
			}
			if err := a.do(e.ctx, e.svc, p); err != nil {
				t.Fatalf("after step-up: %v", err)
			}
		})
	}
}
