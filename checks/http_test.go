package checks

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

func TestHTTP(t *testing.T) {
	const password = "ward-http-secret-93a1"
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"status": "ok"}`) })
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/private", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ward" || p != password {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.Header.Get("X-Token") != "token-"+password {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		fmt.Fprint(w, "ok")
	})
	plain := httptest.NewServer(mux)
	defer plain.Close()

	soon := newTestCert(t, time.Now().Add(3*24*time.Hour))
	secure := httptest.NewUnstartedServer(mux)
	secure.TLS = &tls.Config{Certificates: []tls.Certificate{soon.cert}}
	secure.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes this test fails on purpose
	secure.StartTLS()
	defer secure.Close()

	t.Setenv("WARD_TEST_HTTP_PASSWORD", password)
	hang := servicetest.Blackhole(t)

	tests := []struct {
		name   string
		yaml   string
		status Status
		reason string
		detail string
	}{
		{name: "ok", yaml: "url: " + plain.URL + "/ok\n    body_regexp: '\"status\": \"ok\"'", status: StatusUp, detail: "HTTP 200"},
		{name: "unexpected status", yaml: "url: " + plain.URL + "/down", status: StatusDown, reason: ReasonStatus, detail: "HTTP 503"},
		{name: "expected status", yaml: "url: " + plain.URL + "/down\n    expect_status: [503]", status: StatusUp},
		{name: "body differs", yaml: "url: " + plain.URL + "/ok\n    body_regexp: healthy", status: StatusDown, reason: ReasonBody},
		{name: "HEAD", yaml: "url: " + plain.URL + "/ok\n    method: HEAD", status: StatusUp},
		{name: "basic auth and header", yaml: "url: " + plain.URL + "/private\n    username: ward\n    password_env: WARD_TEST_HTTP_PASSWORD\n    headers: {X-Token: token-" + password + "}",
			status: StatusUp},
		{name: "credentials missing", yaml: "url: " + plain.URL + "/private", status: StatusDown, reason: ReasonAuth},
		{name: "refused", yaml: "url: http://" + servicetest.FreeAddr(t) + "/", status: StatusDown, reason: ReasonNetwork},
		{name: "no answer", yaml: "url: http://" + hang + "/\n    timeout: 200ms", status: StatusDown, reason: ReasonTimeout},
		{name: "slow handler", yaml: "url: " + plain.URL + "/slow\n    timeout: 200ms", status: StatusDown, reason: ReasonTimeout},
		{name: "TLS close to expiry", yaml: "url: " + secure.URL + "/ok\n    tls_config: {ca_file: " + soon.caFile + "}",
			status: StatusUp, detail: "TLS certificate expires in 3d"},
		{name: "TLS untrusted", yaml: "url: " + secure.URL + "/ok", status: StatusDown, reason: ReasonTLS},
		{name: "TLS unverified", yaml: "url: " + secure.URL + "/ok\n    tls_config: {insecure_skip_verify: true}", status: StatusUp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := probeOnce(t, loadCheck(t, "  - name: web\n    kind: http\n    "+tt.yaml+"\n"))
			t.Logf("%s %s: error %q, details %q", o.result.Status, o.result.Reason, o.result.Error, o.result.Details)
			wantResult(t, o, tt.status, tt.reason)
			if !strings.Contains(o.result.Details, tt.detail) {
				t.Errorf("details %q lack %q", o.result.Details, tt.detail)
			}
			if tt.reason == ReasonTimeout && o.result.Duration > time.Second {
				t.Errorf("a 200ms timeout took %s", o.result.Duration)
			}
			if strings.Contains(o.result.Error+o.result.Details, password) {
				t.Errorf("result shows the password: %+v", o.result)
			}
		})
	}

	t.Run("certificate expiry gauge", func(t *testing.T) {
		o := probeOnce(t, loadCheck(t, "  - name: web\n    kind: http\n    url: "+secure.URL+"/ok\n    tls_config: {ca_file: "+soon.caFile+"}\n"))
		left, ok := gaugeValue(o, certExpiryMetric)
		if want := (3 * 24 * time.Hour).Seconds(); !ok || left > want || left < want-60 {
			t.Errorf("%s = %v (reported %v), want about %v", certExpiryMetric, left, ok, want)
		}
	})
}
