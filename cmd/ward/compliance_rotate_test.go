package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// keyIDRE finds the signing key's id in verify's report.
var keyIDRE = regexp.MustCompile(`id ([0-9a-f]{16})\)`)

// TestComplianceEvidencePacksAcrossKeyRotation: a running ward signs each pack
// under the key it holds then, so a pack made after a live `ward key
// rotate` is signed under the new key, and packs made before the
// rotation still verify, with the ward running, after a restart, and
// with the ward stopped (the database opened read-only).
func TestComplianceEvidencePacksAcrossKeyRotation(t *testing.T) {
	cfg, _ := runningWardConfig(t)
	dir := filepath.Dir(cfg)
	before, after := filepath.Join(dir, "before.zip"), filepath.Join(dir, "after.zip")
	packID := func(out string) string {
		t.Helper()
		m := keyIDRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no key id in %q", out)
		}
		return m[1]
	}
	verifyAll := func(when string) (ids []string) {
		t.Helper()
		for _, p := range []string{before, after} {
			code, out, stderr := runCompliance(t, "verify", p, "--config", cfg)
			if code != 0 || !strings.Contains(out, ": OK") {
				t.Fatalf("%s: verify %s: %d\n%s%s", when, filepath.Base(p), code, out, stderr)
			}
			ids = append(ids, packID(out))
		}
		return ids
	}

	_, stop := startWard(t, cfg)
	if code, out, stderr := runCompliance(t, "report", "--out", before, "--config", cfg); code != 0 {
		t.Fatalf("report before the rotation: %d\n%s%s", code, out, stderr)
	}
	if code, out, errOut := runWard(t, "key", "rotate", "--config", cfg); code != 0 || !strings.Contains(out, "rotated the secret key") {
		t.Fatalf("rotate: %d %q %q", code, out, errOut)
	}
	if code, out, stderr := runCompliance(t, "report", "--out", after, "--config", cfg); code != 0 {
		t.Fatalf("report after the rotation: %d\n%s%s", code, out, stderr)
	}
	ids := verifyAll("running")
	if ids[0] == ids[1] {
		t.Errorf("the packs before and after the rotation are both signed under pack key %s: the running ward kept the old key", ids[0])
	}
	stop()
	verifyAll("stopped")
	_, stop = startWard(t, cfg)
	verifyAll("restarted")
	stop()
}
