package ui

import (
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/regexp"
	"github.com/prometheus/prometheus/util/httputil"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/storage"
)

// TestCORSAuthoritative: the handlers behind ward may set CORS headers
// of their own (Prometheus' API sets Allow-Headers, Allow-Methods and
// Expose-Headers: Date for any Origin, as the stub does here with
// Prometheus' own function and promapi's origin pattern); ward's answer
// replaces them on Prometheus' and Alertmanager's routes, and a refused
// origin gets no Access-Control-* header at all.
func TestCORSAuthoritative(t *testing.T) {
	s, base := startServerEdit(t, discardLogger(), testAuthConfig(), func(d *Deps, _ *storage.State) {
		d.CORSOrigins = func() []string { return []string{allowedOrigin} }
		d.API = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httputil.SetCORS(w, regexp.MustCompile(`^$`), r)
			apiStub(w, r)
		})
	})
	token := apiToken(t, s, "grafana", auth.RoleOperator)
	for _, path := range []string{"/api/v1/query?query=up", "/api/v2/status"} {
		t.Run(path, func(t *testing.T) {
			resp, body := doAs(t, "GET", base+path, token, nil, "Origin", allowedOrigin)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %.200s", resp.StatusCode, body)
			}
			h := resp.Header
			if h.Get("Access-Control-Allow-Origin") != allowedOrigin || h.Get("Access-Control-Expose-Headers") != corsExposed {
				t.Errorf("allowed origin: Allow-Origin %q, Expose-Headers %q", h.Get("Access-Control-Allow-Origin"), h.Get("Access-Control-Expose-Headers"))
			}
			if got := h.Get("Access-Control-Allow-Methods") + h.Get("Access-Control-Allow-Headers"); got != "" {
				t.Errorf("allowed origin: a handler's CORS headers remain: %v", h)
			}
			if n := len(h.Values("Vary")); n != 1 {
				t.Errorf("Vary %q, want Origin once", h.Values("Vary"))
			}
			resp, _ = doAs(t, "GET", base+path, token, nil, "Origin", "https://evil.example")
			for k := range resp.Header {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("refused origin got %s: %q", k, resp.Header.Get(k))
				}
			}
		})
	}
}
