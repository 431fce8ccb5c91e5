package config

import (
	"testing"
	"time"
)

// TestLimits: defaults apply where the file is silent, a role override
// without per takes its class's window, and Rates names every class.
func TestLimits(t *testing.T) {
	cfg, err := Load([]byte("limits:\n  api_read: {rate: 200}\n  roles:\n    admin: {api_read: {rate: 1000}, api_query: {rate: 50, per: 10s}}\n"), "l.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Limits.Rates()
	if p := r.Classes["api_read"]; p.Quota != 200 || p.Window != time.Minute {
		t.Errorf("api_read = %+v, want 200/1m (per from the default)", p)
	}
	if p, _ := r.For("admin", "api_read"); p.Quota != 1000 || p.Window != time.Minute {
		t.Errorf("admin api_read = %+v, want 1000/1m", p)
	}
	if p, _ := r.For("admin", "api_query"); p.Quota != 50 || p.Window != 10*time.Second {
		t.Errorf("admin api_query = %+v", p)
	}
	if p, _ := r.For("viewer", "api_read"); p.Quota != 200 {
		t.Errorf("viewer api_read = %+v, want the class's", p)
	}
	for _, c := range []string{"api_read", "api_query", "api_write", "page", "anonymous", "sign_in", "ping"} {
		if p, ok := r.Classes[c]; !ok || p.Name != c || p.Quota < 1 {
			t.Errorf("class %s: %+v %v", c, p, ok)
		}
	}
	def := DefaultLimits()
	if def.APIRead.Rate != 100 || time.Duration(def.APIRead.Per) != time.Minute {
		t.Errorf("default api_read %+v, want 100/min (the plan's)", def.APIRead)
	}
}
