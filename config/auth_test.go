package config

import (
	"reflect"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// TestAuthDefaultsMatchAuth keeps the config package's copy of the auth
// defaults and bounds equal to the auth package's own (config does not
// import auth; the app converts).
func TestAuthDefaultsMatchAuth(t *testing.T) {
	c, a := DefaultAuth(), auth.DefaultConfig()
	if c.Session.IdleTimeout != a.Session.IdleTimeout || c.Session.MaxLifetime != a.Session.MaxLifetime ||
		c.Session.MaxPerUser != a.Session.MaxPerUser || c.Session.OnLimit != string(a.Session.OnLimit) ||
		c.Audit.Retention != a.Audit.Retention || c.SecretKeyFile != a.SecretKeyFile {
		t.Errorf("DefaultAuth %+v differs from auth.DefaultConfig %+v", c, a)
	}
	var roles []string
	for _, r := range a.TwoFactor.RequiredRoles {
		roles = append(roles, string(r))
	}
	if !reflect.DeepEqual(c.TwoFactor.RequiredRoles, roles) {
		t.Errorf("required roles %v, auth's %v", c.TwoFactor.RequiredRoles, roles)
	}
	if minAuditRetention != audit.MinRetention || time.Duration(c.Audit.Retention) != audit.DefaultRetention {
		t.Errorf("audit retention bounds differ from the audit package's")
	}
	if OnLimitRevokeOldest != string(auth.RevokeOldest) || OnLimitReject != string(auth.Reject) {
		t.Error("on_limit names differ from auth's")
	}
}

// TestExampleAuthIsDefault: config.example.yaml documents the defaults.
func TestExampleAuthIsDefault(t *testing.T) {
	cfg, err := LoadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Auth, DefaultAuth()) {
		t.Errorf("example auth %+v differs from DefaultAuth %+v", cfg.Auth, DefaultAuth())
	}
}
