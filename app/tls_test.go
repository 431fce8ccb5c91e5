package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// startTLSWard runs ward in-process serving https with server.tls
// (tlsYAML, indented under it) and returns it with a client that trusts
// ca and presents client, when given.
func startTLSWard(tb testing.TB, dir, tlsYAML string, logs io.Writer) *instance {
	tb.Helper()
	cfg := fastGlobal + fmt.Sprintf("storage:\n  path: %s\nserver:\n  listen: 127.0.0.1:0\n  tls:\n%s", filepath.Join(dir, "data"), tlsYAML)
	cfgFile := filepath.Join(dir, "ward.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	logger := testLogger(tb)
	if logs != nil {
		logger = slog.New(slog.NewTextHandler(io.MultiWriter(logs), &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	stderr := &lockedBuffer{}
	a, err := New(Options{ConfigFile: cfgFile, Logger: logger, Reload: make(chan struct{}, 1), Terminal: stderr})
	if err != nil {
		tb.Fatalf("starting ward: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{app: a, base: "https://" + a.Addr(), cfgFile: cfgFile, dir: dir, done: make(chan error, 1), cancel: cancel, stderr: stderr}
	in.token = createToken(tb, a.auth, "test-admin", auth.RoleAdmin)
	go func() { in.done <- a.Run(ctx) }()
	tb.Cleanup(in.stop)
	return in
}

// tlsClient trusts roots (and presents client certificates), with a
// fresh connection for every request so each sees the certificate
// served now.
func tlsTestClient(roots *x509.CertPool, token string, certs ...tls.Certificate) *http.Client {
	tc := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if len(certs) > 0 {
		// Presented whatever CAs ward names, so that a certificate from
		// another CA reaches ward's check instead of being held back.
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &certs[0], nil }
	}
	tr := &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true}
	if token == "" {
		return &http.Client{Timeout: 30 * time.Second, Transport: tr}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: bearer{token: token, next: tr}}
}

// servedCert connects anew and returns the common name of the
// certificate ward presents.
func servedCert(tb testing.TB, addr string) string {
	tb.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) // reads, not trusts, the certificate
	if err != nil {
		tb.Fatalf("TLS to %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
}

// replaceFile writes data next to path and renames it over path, as
// certbot and cert-manager swap certificates.
func replaceFile(tb testing.TB, path, from string) {
	tb.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		tb.Fatal(err)
	}
	writeFile(tb, path, string(data))
	// The reloader sees a change by size and modification time; keys of
	// one type are the same size and a coarse clock can give two writes
	// one mtime, so each replacement moves the mtime on by a second.
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	replaced++
	at := st.ModTime().Add(time.Duration(replaced) * time.Second)
	if err := os.Chtimes(path, at, at); err != nil {
		tb.Fatal(err)
	}
}

// replaced counts replaceFile's calls, so that each one's mtime differs.
var replaced int

// TestTLSRotation serves https with certificate A, replaces the files
// with certificate B while ward runs, and sees B on a new connection
// without a restart; a bad pair afterwards is refused and B stays. Over
// TLS: HSTS, TLS 1.1 refused, ward's self-scrape up over https, the
// default external URL is https, and ward's own certificate expiry is
// on the TLS checks' series.
func TestTLSRotation(t *testing.T) {
	dir := t.TempDir()
	a := servicetest.WriteCert(t, dir, "a", servicetest.CertOptions{Name: "ward-a", NotAfter: time.Now().Add(10 * 24 * time.Hour)})
	b := servicetest.WriteCert(t, dir, "b", servicetest.CertOptions{Name: "ward-b", NotAfter: time.Now().Add(90 * 24 * time.Hour)})
	other := servicetest.WriteCert(t, dir, "other", servicetest.CertOptions{Name: "other"})
	certFile, keyFile := filepath.Join(dir, "served.pem"), filepath.Join(dir, "served-key.pem")
	replaceFile(t, certFile, a.CertFile)
	replaceFile(t, keyFile, a.KeyFile)
	var logs lockedBuffer
	in := startTLSWard(t, dir, "    cert_file: served.pem\n    key_file: served-key.pem\n", &logs)
	roots := x509.NewCertPool()
	roots.AddCert(a.Cert)
	roots.AddCert(b.Cert)
	in.client = tlsTestClient(roots, in.token)
	addr := in.app.Addr()

	if got := servedCert(t, addr); got != "ward-a" {
		t.Fatalf("served %q, want ward-a", got)
	}
	resp, err := in.client.Get(in.base + "/-/healthy")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("Strict-Transport-Security = %q over TLS", got)
	}
	if !strings.Contains(in.stderr.String(), "https://"+addr+"/setup?token=") {
		t.Errorf("setup link not https: %s", in.stderr.String())
	}
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		if conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MinVersion: v, MaxVersion: v}); err == nil { //nolint:gosec // the refusal is the test
			conn.Close()
			t.Errorf("TLS version %x accepted", v)
		}
	}
	// Plain http on the TLS port is refused, not served.
	if resp, err := http.Get("http://" + addr + "/-/healthy"); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain http served: %s", body)
		}
	}
	servicetest.Eventually(t, 30*time.Second, "ward's self-scrape over https", func() bool {
		return len(in.query(t, `up{job="ward"} == 1`)) == 1
	})
	servicetest.Eventually(t, 30*time.Second, "ward's own certificate on the TLS check series", func() bool {
		r := in.query(t, `ward_check_tls_cert_expiry_seconds{check="ward-server",job="ward"}`)
		if len(r) != 1 {
			return false
		}
		var v float64
		fmt.Sscan(value(r[0]), &v)
		return v > 9*86400 && v <= 10*86400
	})

	// Rotation: both files replaced, key first.
	replaceFile(t, keyFile, b.KeyFile)
	replaceFile(t, certFile, b.CertFile)
	rotated := time.Now()
	servicetest.Eventually(t, 10*time.Second, "certificate B on a new connection", func() bool {
		return servedCert(t, addr) == "ward-b"
	})
	t.Logf("certificate B served %v after the files were replaced (certRecheck %v)", time.Since(rotated).Round(time.Millisecond), certRecheck)
	code, _ := in.get(t, "/api/v1/status/buildinfo")
	if code != http.StatusOK {
		t.Errorf("API after rotation: %d", code)
	}
	servicetest.Eventually(t, 30*time.Second, "the new expiry exported", func() bool {
		v := in.metricValue(t, `ward_check_tls_cert_expiry_seconds{check="ward-server"}`)
		var f float64
		fmt.Sscan(v, &f)
		return f > 89*86400
	})

	// A bad pair (B's certificate with another key) is refused; B stays.
	// It is reported once it outlasts certGrace, at WARN.
	replaceFile(t, keyFile, other.KeyFile)
	time.Sleep(1500 * time.Millisecond)
	for range 6 {
		if got := servedCert(t, addr); got != "ward-b" {
			t.Fatalf("after a bad pair: served %q, want ward-b", got)
		}
		time.Sleep(1100 * time.Millisecond)
	}
	if n := strings.Count(logs.String(), "level=WARN msg=\"server.tls: new certificate refused"); n != 1 {
		t.Errorf("bad pair logged %d times at WARN, want once:\n%s", n, logs.String())
	}
	// Neither the rotation (key first, a mismatch for a moment) nor
	// plain http to the https port logs an error.
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=ERROR") && (strings.Contains(line, "server.tls") || strings.Contains(line, "TLS handshake")) {
			t.Errorf("logged at ERROR: %s", line)
		}
	}
}

// TestCertReloaderGrace: rotating the key, then the certificate a moment
// later, logs nothing above INFO; a pair that keeps failing is reported
// at WARN once after certGrace, and not again until the files change.
func TestCertReloaderGrace(t *testing.T) {
	dir := t.TempDir()
	a := servicetest.WriteCert(t, dir, "a", servicetest.CertOptions{Name: "ward-a"})
	b := servicetest.WriteCert(t, dir, "b", servicetest.CertOptions{Name: "ward-b"})
	other := servicetest.WriteCert(t, dir, "other", servicetest.CertOptions{Name: "other"})
	certFile, keyFile := filepath.Join(dir, "served.pem"), filepath.Join(dir, "served-key.pem")
	replaceFile(t, certFile, a.CertFile)
	replaceFile(t, keyFile, a.KeyFile)
	var logs lockedBuffer
	r, err := newCertReloader(certFile, keyFile, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	r.now = func() time.Time { return now }
	served := func(step time.Duration) string {
		now = now.Add(step)
		return r.certificate().Leaf.Subject.CommonName
	}
	// The key first: a mismatch, served A, said nothing.
	replaceFile(t, keyFile, b.KeyFile)
	if got := served(2 * certRecheck); got != "ward-a" {
		t.Fatalf("mid-rotation served %q", got)
	}
	replaceFile(t, certFile, b.CertFile)
	if got := served(2 * certRecheck); got != "ward-b" {
		t.Fatalf("after rotation served %q", got)
	}
	if strings.Contains(logs.String(), "level=WARN") || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a rotation in the README's order logged:\n%s", logs.String())
	}
	// A bad pair: quiet within certGrace, one WARN past it.
	replaceFile(t, keyFile, other.KeyFile)
	for range 12 {
		if got := served(certRecheck); got != "ward-b" {
			t.Fatalf("bad pair: served %q", got)
		}
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a lasting bad pair: %d WARN lines, want 1:\n%s", n, logs.String())
	}
}

// TestTLSClientCertForAPI: with client_auth require_for_api, the API
// answers only callers presenting a certificate from the client CA;
// pages and the public probes still answer without one; ward's own
// scrape of /metrics goes on without one.
func TestTLSClientCertForAPI(t *testing.T) {
	dir := t.TempDir()
	server := servicetest.WriteCert(t, dir, "server", servicetest.CertOptions{Name: "ward"})
	ca := servicetest.WriteCert(t, dir, "ca", servicetest.CertOptions{Name: "clients"})
	client := servicetest.WriteCert(t, dir, "grafana", servicetest.CertOptions{Name: "grafana", Parent: &ca, Client: true})
	rogueCA := servicetest.WriteCert(t, dir, "rogue-ca", servicetest.CertOptions{Name: "rogue"})
	rogue := servicetest.WriteCert(t, dir, "rogue", servicetest.CertOptions{Name: "rogue", Parent: &rogueCA, Client: true})
	in := startTLSWard(t, dir, "    cert_file: server.pem\n    key_file: server-key.pem\n    client_auth: require_for_api\n    client_ca_file: ca.pem\n", nil)
	roots := server.Pool()
	get := func(c *http.Client, path string) int {
		t.Helper()
		resp, err := c.Get(in.base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	withCert := tlsTestClient(roots, in.token, client.TLSPair(t))
	without := tlsTestClient(roots, in.token)
	if code := get(withCert, "/api/v1/status/buildinfo"); code != http.StatusOK {
		t.Errorf("API with a client certificate: %d", code)
	}
	if code := get(without, "/api/v1/status/buildinfo"); code != http.StatusUnauthorized {
		t.Errorf("API without a client certificate: %d, want 401", code)
	}
	if code := get(without, "/metrics"); code != http.StatusUnauthorized {
		t.Errorf("/metrics with a token but no certificate: %d, want 401", code)
	}
	if code := get(tlsTestClient(roots, "", client.TLSPair(t)), "/api/v1/status/buildinfo"); code != http.StatusUnauthorized {
		t.Errorf("API with a certificate but no token: %d, want 401", code)
	}
	// A certificate from another CA fails the handshake.
	if _, err := tlsTestClient(roots, in.token, rogue.TLSPair(t)).Get(in.base + "/api/v1/status/buildinfo"); err == nil {
		t.Error("a certificate from another CA was accepted")
	}
	for _, path := range []string{"/login", "/-/healthy", "/-/ready"} {
		if code := get(tlsTestClient(roots, ""), path); code != http.StatusOK {
			t.Errorf("%s without a client certificate: %d", path, code)
		}
	}
	in.client = withCert
	servicetest.Eventually(t, 30*time.Second, "ward's self-scrape without a client certificate", func() bool {
		return len(in.query(t, `up{job="ward"} == 1`)) == 1
	})
}

// TestCORSFromConfig: server.cors.allowed_origins reaches the server and
// follows a reload: a preflight from the listed origin gets 204 with its
// exact origin, another origin 403 without CORS headers; after the
// origin is removed and the config reloaded, it gets 403 too.
func TestCORSFromConfig(t *testing.T) {
	dir := t.TempDir()
	server := servicetest.WriteCert(t, dir, "server", servicetest.CertOptions{Name: "ward"})
	const origin = "https://grafana.example.com"
	in := startTLSWard(t, dir, "    cert_file: server.pem\n    key_file: server-key.pem\n  cors:\n    allowed_origins: [\""+origin+"\"]\n", nil)
	client := tlsTestClient(server.Pool(), "")
	preflight := func(from string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("OPTIONS", in.base+"/api/v1/query", nil)
		req.Header.Set("Origin", from)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := preflight(origin); resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := preflight("https://evil.example"); resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("refused origin: %d %v", resp.StatusCode, resp.Header)
	}
	// The token's call itself, from the allowed origin.
	req, _ := http.NewRequest("GET", in.base+"/api/v1/status/buildinfo", nil)
	req.Header.Set("Origin", origin)
	resp, err := tlsTestClient(server.Pool(), in.token).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != origin || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("API call from the allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	doc := readFile(t, in.cfgFile)
	writeFile(t, in.cfgFile, strings.Replace(doc, `allowed_origins: ["`+origin+`"]`, "allowed_origins: []", 1))
	if err := in.app.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if resp := preflight(origin); resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("after removing the origin: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestTLSExpiredCertStarts: ward starts with an expired certificate
// (its alerting matters more than its https), says so in its log, and
// exports the negative expiry TLSCertExpiringSoon fires on.
func TestTLSExpiredCertStarts(t *testing.T) {
	dir := t.TempDir()
	servicetest.WriteCert(t, dir, "old", servicetest.CertOptions{Name: "old", NotAfter: time.Now().Add(-time.Hour)})
	var logs lockedBuffer
	in := startTLSWard(t, dir, "    cert_file: old.pem\n    key_file: old-key.pem\n", &logs)
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}} //nolint:gosec // the certificate is expired on purpose
	in.client = &http.Client{Timeout: 30 * time.Second, Transport: bearer{token: in.token, next: tr}}
	v := in.metricValue(t, `ward_check_tls_cert_expiry_seconds{check="ward-server"}`)
	var f float64
	if _, err := fmt.Sscan(v, &f); err != nil || f > -3500 || f < -3700 {
		t.Errorf("expiry %q, want about -3600", v)
	}
	if !strings.Contains(logs.String(), "server.tls: the certificate is expired on") {
		t.Errorf("no log of the expired certificate:\n%s", logs.String())
	}
}
