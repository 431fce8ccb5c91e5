package checks

import (
	"os"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/config"
)

// TestExampleConfig loads the annotated example of every kind; it is what
// config.example.yaml shows, so it must stay valid.
func TestExampleConfig(t *testing.T) {
	data, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(data, "testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	for _, c := range cfg.Checks {
		shown[c.Kind] = true
		if _, err := newProber(c); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
	if len(shown) != len(kinds) {
		t.Errorf("example shows kinds %v, want all of %d", shown, len(kinds))
	}
}

// FuzzChecksConfig feeds arbitrary `checks:` sections to the loader. It
// must never panic, and every check it accepts must build a prober:
// validation and probers agree on what is valid.
func FuzzChecksConfig(f *testing.F) {
	if data, err := os.ReadFile("testdata/example.yaml"); err == nil {
		f.Add(data)
	}
	for _, seed := range []string{
		"checks:\n  - {name: db, kind: postgres, dsn: 'host=db password = x'}\n",
		"checks:\n  - {name: db, kind: postgres, dsn: 'postgres://u:p@h/d'}\n",
		"checks:\n  - {name: db, kind: postgres, dsn: 'postgresql://h/d?password=x'}\n",
		"checks:\n  - {name: w, kind: http, url: 'http://h/', body_regexp: '(', expect_status: [0]}\n",
		"checks:\n  - {name: h, kind: headers, url: 'https://h/', tls_config: {insecure_skip_verify: true}}\n", // issue 13
		"checks:\n  - {name: h, kind: headers, url: 'ftp://h/', method: POST}\n",
		"checks:\n  - {name: s, kind: s3, bucket: b, endpoint: 'ftp://x', access_key_id: k, secret_access_key_env: K}\n",
		"checks:\n  - ~\n  - {name: t, kind: tcp, address: ':1', labels: {__x: y}}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Load(data, "fuzz.yaml")
		if err != nil {
			return
		}
		for _, c := range cfg.Checks {
			if _, err := newProber(c); err != nil {
				t.Fatalf("accepted check %q does not build: %v", c.Name, err)
			}
		}
	})
}

// TestEveryKindHasAProber: each kind config accepts has a prober and its
// failure reasons here, and there are no others.
func TestEveryKindHasAProber(t *testing.T) {
	for _, name := range config.CheckKinds() {
		k, ok := kinds[name]
		if !ok {
			t.Errorf("config kind %q has no prober", name)
			continue
		}
		if k.newProber == nil || len(k.reasons) == 0 {
			t.Errorf("kind %q: prober or reasons missing", name)
		}
	}
	if len(kinds) != len(config.CheckKinds()) {
		t.Errorf("%d probers for %d config kinds", len(kinds), len(config.CheckKinds()))
	}
}

// TestProberRefusesSpecOfAnotherKind: a check whose spec does not match
// its kind (only possible when built by hand) is refused, not probed
// with zero settings.
func TestProberRefusesSpecOfAnotherKind(t *testing.T) {
	cfg := config.Check{Name: "x", Kind: config.CheckPostgres, Spec: &config.TCPCheck{Address: "h:1"}}
	if _, err := newProber(cfg); err == nil || !strings.Contains(err.Error(), "checks: x: kind postgres has settings of type *config.TCPCheck") {
		t.Fatalf("err = %v", err)
	}
}
