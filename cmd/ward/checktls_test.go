package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// TestCheckConfigReadsServerTLS (issue 13): `ward check config` reads
// server.tls's certificate and key, fails on a pair that does not match
// (with the file, line and key) and warns about an expired certificate
// or one expiring within 14 days, which ward still starts with.
func TestCheckConfigReadsServerTLS(t *testing.T) {
	dir := t.TempDir()
	good := servicetest.WriteCert(t, dir, "ward", servicetest.CertOptions{Name: "ward", NotAfter: time.Now().Add(90 * 24 * time.Hour)})
	soon := servicetest.WriteCert(t, dir, "soon", servicetest.CertOptions{Name: "soon", NotAfter: time.Now().Add(3 * 24 * time.Hour)})
	expired := servicetest.WriteCert(t, dir, "expired", servicetest.CertOptions{Name: "old", NotAfter: time.Now().Add(-time.Hour)})
	other := servicetest.WriteCert(t, dir, "other", servicetest.CertOptions{Name: "other"})
	cfg := filepath.Join(dir, "ward.yaml")
	write := func(cert, key string) {
		doc := "server:\n  tls:\n    cert_file: " + filepath.Base(cert) + "\n    key_file: " + filepath.Base(key) + "\n"
		if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(good.CertFile, good.KeyFile)
	(cliCase{
		args:   []string{"check", "config", cfg},
		stdout: []string{cfg + ": SUCCESS"},
		never:  []string{"WARNING"},
	}).run(t)
	write(soon.CertFile, soon.KeyFile)
	(cliCase{
		args:   []string{"check", "config", cfg},
		stdout: []string{cfg + ": SUCCESS"},
		stderr: []string{cfg + ": WARNING: server.tls.cert_file: certificate " + soon.CertFile + " expires in 7"},
	}).run(t)
	write(expired.CertFile, expired.KeyFile)
	(cliCase{
		args:   []string{"check", "config", cfg},
		stdout: []string{cfg + ": SUCCESS"},
		stderr: []string{cfg + ": WARNING: server.tls.cert_file: certificate " + expired.CertFile + " is expired on ", "clients will refuse it"},
	}).run(t)
	write(good.CertFile, other.KeyFile)
	(cliCase{
		args: []string{"check", "config", cfg},
		code: 1,
		stderr: []string{cfg + ": FAILED", cfg + ":3:16: server.tls.cert_file: certificate " + good.CertFile +
			" with key " + other.KeyFile + ": tls: private key does not match public key"},
	}).run(t)
}
