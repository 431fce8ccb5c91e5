package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

type healthAnswer struct {
	code   int
	Status string `json:"status"`
	Checks []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Error  string `json:"error"`
	} `json:"checks"`
	Components []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"components"`
}

func (in *instance) health(tb testing.TB) healthAnswer {
	tb.Helper()
	resp, err := http.Get(in.base + "/health/")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var h healthAnswer
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		tb.Fatal(err)
	}
	h.code = resp.StatusCode
	return h
}

// TestHealthEndpoint runs a critical HTTP check inside a real ward and
// follows /health/ through the check going down and ward's components.
func TestHealthEndpoint(t *testing.T) {
	var failing atomic.Bool
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if failing.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	}))
	defer site.Close()
	in := startWard(t, fastGlobal+fmt.Sprintf(`
rules: {builtin: false}
checks:
  - name: site
    kind: http
    url: %q
    interval: 1s
    timeout: 1s
    critical: true
`, site.URL))

	servicetest.Eventually(t, 15*time.Second, "healthy", func() bool { return in.health(t).code == http.StatusOK })
	h := in.health(t)
	if h.Status != "pass" || len(h.Checks) != 1 || h.Checks[0].Status != "up" {
		t.Fatalf("healthy answer: %+v", h)
	}
	if h.Checks[0].Error != "" {
		t.Errorf("details shown without server.health_details: %+v", h.Checks[0])
	}
	names := map[string]string{}
	for _, c := range h.Components {
		names[c.Name] = c.Status
	}
	for _, c := range []string{"tsdb", "rule_evaluation", "notifier"} {
		if names[c] != "up" {
			t.Errorf("component %s: %q", c, names[c])
		}
	}
	// The check result also lands in the TSDB.
	servicetest.Eventually(t, 10*time.Second, "ward_check_up in the TSDB", func() bool {
		r := in.query(t, `ward_check_up{check="site"}`)
		return len(r) == 1 && value(r[0]) == "1"
	})

	failing.Store(true)
	servicetest.Eventually(t, 15*time.Second, "unhealthy", func() bool { return in.health(t).code == http.StatusServiceUnavailable })
	if h := in.health(t); h.Status != "fail" || h.Checks[0].Status != "down" {
		t.Fatalf("failing answer: %+v", h)
	}
}
