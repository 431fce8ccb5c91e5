package ui

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/storage"
)

// TestClientCertForTokensOnly: with client_auth require_for_api, the
// charts' query from a signed-in browser (session cookie, no client
// certificate) is answered, while an API token without a certificate
// gets 401, and so does a request sending both.
func TestClientCertForTokensOnly(t *testing.T) {
	s, base := startServerEdit(t, discardLogger(), testAuthConfig(), func(d *Deps, _ *storage.State) {
		d.APIClientCert = true
	})
	cookie := signIn(t, s, "alice", auth.RoleViewer)
	token := apiToken(t, s, "grafana", auth.RoleViewer)
	const path = "/api/v1/query_range?query=up&start=0&end=60&step=15"
	for _, tc := range []struct {
		name          string
		cookie, token bool
		want          int
	}{
		{"session", true, false, http.StatusOK},
		{"token", false, true, http.StatusUnauthorized},
		{"token and session", true, true, http.StatusUnauthorized},
		{"neither", false, false, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", base+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.cookie {
				req.AddCookie(cookie)
			}
			if tc.token {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, body := send(t, req)
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d: %.200s", resp.StatusCode, tc.want, body)
			}
			if tc.token && resp.StatusCode == http.StatusUnauthorized && !strings.Contains(body, "client certificate") {
				t.Errorf("refusal does not name the certificate: %.200s", body)
			}
		})
	}
}
