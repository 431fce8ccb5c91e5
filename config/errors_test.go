package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestExampleErrorsLoads uncomments the errors example in
// config.example.yaml and loads it, so the commented example cannot rot.
func TestExampleErrorsLoads(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc []string
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		if line == "# errors:" {
			in = true
		}
		if in {
			if line == "" {
				break
			}
			doc = append(doc, strings.TrimPrefix(strings.TrimPrefix(line, "#"), " "))
		}
	}
	if len(doc) < 5 {
		t.Fatal("config.example.yaml has no commented errors section")
	}
	cfg, err := Load([]byte(strings.Join(doc, "\n")), "/etc/ward/example-errors.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(doc, "\n"))
	}
	e := cfg.Errors
	if time.Duration(e.Retention) != 30*24*time.Hour || e.MaxSize != DefaultErrors().MaxSize || len(e.Projects) != 1 ||
		e.Projects[0].Limit() != DefaultErrorRateLimit() || !e.Projects[0].ScrubEnabled() {
		t.Errorf("example errors section decoded as %+v", e)
	}
}

// TestErrorRateLimitDefault: a project without rate_limit gets the
// default, one with it its own.
func TestErrorRateLimitDefault(t *testing.T) {
	if got := (ErrorProject{}).Limit(); got != DefaultErrorRateLimit() {
		t.Errorf("unset: %+v", got)
	}
	own := ErrorRateLimit{PerSecond: 0.5, Burst: 3}
	if got := (ErrorProject{RateLimit: own}).Limit(); got != own {
		t.Errorf("set: %+v", got)
	}
}
