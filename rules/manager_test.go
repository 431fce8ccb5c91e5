package rules

import (
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/promql"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

const userRules = `groups:
  - name: mine
    rules:
      - alert: HostHighCPU
        expr: vector(1) > 2
        labels: {severity: critical}
      - record: job:ward_app_http_requests:rate5m
        expr: sum by (job) (rate(my_framework_requests_total[5m]))
`

func loadConfig(tb testing.TB, dir, doc string) *config.Config {
	tb.Helper()
	path := filepath.Join(dir, "ward.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.LoadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

func writeRules(tb testing.TB, dir, name, content string) {
	tb.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "good.yml", userRules)
	writeRules(t, dir, "bad.yml", "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum(up\n")
	writeRules(t, dir, "bomb.yml", "groups:\n  - name: heavy\n    rules:\n      - record: r\n        expr: count_over_time(vector(1)[100y:1s])\n")

	tests := []struct {
		name    string
		doc     string
		wantErr []string
		atLeast int
	}{
		{name: "builtin pack", doc: "", atLeast: 10},
		{name: "pack off", doc: "rules: {builtin: false}", atLeast: 0},
		{name: "user file overrides two builtin rules", doc: "rule_files: [good.yml]"},
		{name: "unknown disabled rule", doc: "rules: {disable: [HostHighCPUU]}", wantErr: []string{`rules.disable[0]: no built-in rule named "HostHighCPUU"`}},
		{name: "bad user file", doc: "rule_files: [bad.yml]", wantErr: []string{"bad.yml:5:15:", "parse error"}},
		// A rule would exhaust memory at every evaluation, as a query
		// would (query.max_points_per_subquery applies to both).
		{name: "subquery bomb", doc: "rule_files: [bomb.yml]", wantErr: []string{"bomb.yml", `group "heavy"`, `rule "r"`, "11000"}},
	}
	builtinCount, err := Validate(loadConfig(t, dir, ""))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Validate(loadConfig(t, dir, tt.doc))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n < tt.atLeast {
				t.Errorf("%d rules, want at least %d", n, tt.atLeast)
			}
			if tt.name == "user file overrides two builtin rules" && n != builtinCount {
				// Two user rules replace two built-in ones: same total.
				t.Errorf("%d rules, want %d (two replaced, not added)", n, builtinCount)
			}
		})
	}
}

// TestManagerOverridesBuiltin runs Prometheus' rule manager on a real TSDB
// and checks that a user rule replaces the built-in one of the same name
// and that disabled rules are absent.
func TestManagerOverridesBuiltin(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "mine.yml", userRules)
	cfg := loadConfig(t, dir, "rule_files: [mine.yml]\nrules: {disable: [HostDiskFull]}\n")

	reg := prometheus.NewRegistry()
	logger := slog.New(slog.DiscardHandler)
	db, _, err := storage.OpenTSDB(filepath.Join(dir, "tsdb"), storage.TSDBOptions{Retention: time.Hour}, logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	engine := promql.NewEngine(promql.EngineOpts{Logger: logger, MaxSamples: 1e6, Timeout: time.Minute})
	m := NewManager(Options{Logger: logger, Registerer: reg, Engine: engine, DB: db, ExternalURL: &url.URL{Scheme: "http", Host: "ward"}})
	if err := m.ApplyConfig(cfg); err != nil {
		t.Fatal(err)
	}
	where := map[string][]string{}
	for _, g := range m.Prometheus().RuleGroups() {
		for _, r := range g.Rules() {
			where[r.Name()] = append(where[r.Name()], g.File())
		}
	}
	for _, name := range []string{"HostHighCPU", "job:ward_app_http_requests:rate5m"} {
		if len(where[name]) != 1 || !strings.HasSuffix(where[name][0], "mine.yml") {
			t.Errorf("%s loaded from %v, want only mine.yml", name, where[name])
		}
	}
	if len(where["HostDiskFull"]) != 0 {
		t.Errorf("disabled HostDiskFull still loaded from %v", where["HostDiskFull"])
	}
	if len(where["HostHighMemory"]) != 1 || where["HostHighMemory"][0] != "builtin:node.yml" {
		t.Errorf("HostHighMemory loaded from %v, want builtin:node.yml", where["HostHighMemory"])
	}

	// A broken edit is rejected and the running rules stay.
	writeRules(t, dir, "mine.yml", "groups:\n  - name: mine\n    rules:\n      - alert: Y\n        expr: up ==\n")
	if err := m.ApplyConfig(cfg); err == nil || !strings.Contains(err.Error(), "mine.yml:5:") {
		t.Fatalf("want a positioned error, got %v", err)
	}
	if n := len(m.Prometheus().Rules()); n == 0 {
		t.Fatal("rules dropped after a rejected reload")
	}
}

func TestCheckFile(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, "tmpl.yml", "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: up == 0\n        annotations:\n          summary: '{{ .Foo'\n")
	_, errs := CheckFile(filepath.Join(dir, "tmpl.yml"))
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), "tmpl.yml:") || !strings.Contains(errs[0].Error(), "template") {
		t.Fatalf("a broken template must fail at check time with its position, got %v", errs)
	}
	n, errs := CheckFile(filepath.Join("builtin", "node.yml"))
	if errs != nil || n == 0 {
		t.Fatalf("builtin/node.yml: %d rules, %v", n, errs)
	}
}

// FuzzCheckFile feeds arbitrary rule files to the checker: it must never
// panic.
func FuzzCheckFile(f *testing.F) {
	for _, s := range []string{userRules, "groups: []", "groups:\n- name: a\n  rules:\n  - record: a\n    expr: b{"} {
		f.Add([]byte(s))
	}
	matches, _ := filepath.Glob("builtin/*.yml")
	for _, m := range matches {
		if b, err := os.ReadFile(m); err == nil {
			f.Add(b)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.yml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		CheckFile(path)
	})
}
