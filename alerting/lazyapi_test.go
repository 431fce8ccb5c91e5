package alerting

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// serve sends one request to h and returns the status and body.
func serve(tb testing.TB, h http.Handler, method, path, body string) (int, string) {
	tb.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestLazyAPI checks that Alertmanager's API is not built until its
// first request, then answers with the configuration applied before it
// was built, takes a silence, and follows later configurations.
func TestLazyAPI(t *testing.T) {
	m, reg := startManager(t, Limits{})
	if m.api.api != nil {
		t.Fatal("the API was built before any request")
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "alertmanager_http_requests_in_flight" {
			t.Fatal("the API registered its metrics before any request")
		}
	}

	code, body := serve(t, m.Handler(), "GET", "/api/v2/status", "")
	if code != http.StatusOK || !strings.Contains(body, `receiver: log`) {
		t.Fatalf("first GET /api/v2/status: %d %s", code, body)
	}
	if m.api.api == nil {
		t.Fatal("the API is still not built after a request")
	}

	now := time.Now().UTC()
	silence := `{"matchers":[{"name":"alertname","value":"HostDown","isRegex":false}],"startsAt":"` +
		now.Format(time.RFC3339) + `","endsAt":"` + now.Add(time.Hour).Format(time.RFC3339) +
		`","createdBy":"alice","comment":"maintenance"}`
	if code, body := serve(t, m.Handler(), "POST", "/api/v2/silences", silence); code != http.StatusOK || !strings.Contains(body, "silenceID") {
		t.Fatalf("POST /api/v2/silences: %d %s", code, body)
	}
	if code, body := serve(t, m.Handler(), "GET", "/api/v2/silences", ""); code != http.StatusOK || !strings.Contains(body, `"comment":"maintenance"`) {
		t.Fatalf("GET /api/v2/silences: %d %s", code, body)
	}

	cfg, err := config.Load([]byte("alerting:\n  route: {receiver: team}\n  receivers: [{name: team}]\n"), "ward.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.ApplyConfig(cfg.Alerting); err != nil {
		t.Fatal(err)
	}
	if code, body := serve(t, m.Handler(), "GET", "/api/v2/status", ""); code != http.StatusOK || !strings.Contains(body, "receiver: team") {
		t.Fatalf("GET /api/v2/status after a new configuration: %d %s", code, body)
	}
}

// BenchmarkLazyAPIFirstRequest is what the first request to Alertmanager's
// API pays for building it: GET /api/v2/status on a fresh Manager.
func BenchmarkLazyAPIFirstRequest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		m, _ := startManager(b, Limits{})
		b.StartTimer()
		if code, body := serve(b, m.Handler(), "GET", "/api/v2/status", ""); code != http.StatusOK {
			b.Fatalf("GET /api/v2/status: %d %s", code, body)
		}
	}
}
