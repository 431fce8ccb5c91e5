package config

import (
	"reflect"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

// TestAuthBoundsMatchAudit keeps the retention bounds equal to the audit
// package's own (config does not import audit).
func TestAuthBoundsMatchAudit(t *testing.T) {
	if minAuditRetention != audit.MinRetention || time.Duration(DefaultAuth().Audit.Retention) != audit.DefaultRetention {
		t.Errorf("audit retention bounds differ from the audit package's")
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
