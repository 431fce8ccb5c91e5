package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// TestServerTLSFiles loads server.tls with real files: a good pair, a
// key that belongs to another certificate, an expired certificate and a
// client CA, with relative paths taken from the config file's directory.
func TestServerTLSFiles(t *testing.T) {
	dir := t.TempDir()
	good := servicetest.WriteCert(t, dir, "good", servicetest.CertOptions{Name: "ward"})
	other := servicetest.WriteCert(t, dir, "other", servicetest.CertOptions{Name: "other"})
	expired := servicetest.WriteCert(t, dir, "expired", servicetest.CertOptions{Name: "old", NotAfter: time.Now().Add(-time.Minute)})
	// An expired certificate loads (ward starts and alerts on it);
	// CertificateProblem names it.
	if c, err := LoadServerCertificate(expired.CertFile, expired.KeyFile); err != nil || !strings.HasPrefix(CertificateProblem(c, time.Now()), "expired on ") {
		t.Errorf("expired: %v", err)
	}
	if c, err := LoadServerCertificate(good.CertFile, good.KeyFile); err != nil || CertificateProblem(c, time.Now()) != "" {
		t.Errorf("good: %v", err)
	}
	source := filepath.Join(dir, "ward.yml")
	for _, tc := range []struct {
		name, doc, err string
	}{
		{"good pair", "cert_file: good.pem\n    key_file: good-key.pem", ""},
		{"mutual TLS", "cert_file: good.pem\n    key_file: good-key.pem\n    client_auth: require_for_api\n    client_ca_file: other.pem", ""},
		{"absolute", "cert_file: " + good.CertFile + "\n    key_file: " + good.KeyFile, ""},
		{"wrong key", "cert_file: good.pem\n    key_file: other-key.pem", "server.tls.cert_file: certificate " + good.CertFile + " with key " + other.KeyFile + ": tls: private key does not match public key"},
		{"key as CA", "cert_file: good.pem\n    key_file: good-key.pem\n    client_auth: verify_if_given\n    client_ca_file: good-key.pem", "server.tls.client_ca_file: " + good.KeyFile + ": no PEM certificate"},
		{"CA without client_auth", "cert_file: good.pem\n    key_file: good-key.pem\n    client_ca_file: other.pem", "server.tls.client_auth: set verify_if_given or require_for_api to use client_ca_file"},
		{"mTLS without TLS", "client_auth: verify_if_given\n    client_ca_file: other.pem", "server.tls.cert_file: required when client certificates are configured"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load([]byte("server:\n  tls:\n    "+tc.doc+"\n"), source)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				cert, key, _ := cfg.ServerTLSPaths()
				if cert != good.CertFile || key != good.KeyFile {
					t.Errorf("paths %s %s, want %s %s", cert, key, good.CertFile, good.KeyFile)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestCORSOrigins(t *testing.T) {
	cfg, err := Load([]byte("server:\n  cors:\n    allowed_origins: [\"https://grafana.example.com\", \"http://127.0.0.1:3000\"]\n"), "ward.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Server.CORS.AllowedOrigins; len(got) != 2 || got[1] != "http://127.0.0.1:3000" {
		t.Errorf("origins %q", got)
	}
	for _, bad := range []string{"grafana.example.com", "https://Grafana.example.com", "https://u:p@grafana.example.com", "https://*.example.com", "null", "https://a.example?x", "ftp://a.example"} {
		if _, err := Load([]byte("server:\n  cors:\n    allowed_origins: [\""+bad+"\"]\n"), "ward.yml"); err == nil || !strings.Contains(err.Error(), "server.cors.allowed_origins[0]") {
			t.Errorf("%q: error %v", bad, err)
		}
	}
}
