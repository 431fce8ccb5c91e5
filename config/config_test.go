package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestExampleLoads(t *testing.T) {
	cfg, err := LoadFile("../config.example.yaml")
	if err != nil {
		t.Fatalf("config.example.yaml must load: %v", err)
	}
	// The example documents the defaults; they must be the defaults.
	if !reflect.DeepEqual(cfg.Storage, DefaultStorage()) {
		t.Errorf("example storage %+v differs from DefaultStorage %+v", cfg.Storage, DefaultStorage())
	}
	if cfg.Server.Listen != DefaultListen || !cfg.Rules.Builtin {
		t.Errorf("example server/rules differ from defaults: %+v %+v", cfg.Server, cfg.Rules)
	}
	if got := cfg.Prometheus.GlobalConfig.BodySizeLimit; got != DefaultBodySizeLimit {
		t.Errorf("body_size_limit = %v, want %v", got, DefaultBodySizeLimit)
	}
	jobs := map[string]bool{}
	for _, sc := range cfg.Prometheus.ScrapeConfigs {
		jobs[sc.JobName] = true
	}
	for _, j := range []string{"app", "postgres", "node"} {
		if !jobs[j] {
			t.Errorf("example lacks job %q", j)
		}
	}
}

func TestDefault(t *testing.T) {
	cfg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Source != DefaultSource || cfg.Storage.Path != "./data" || cfg.Server.Listen != "127.0.0.1:9740" || !cfg.Rules.Builtin {
		t.Fatalf("unexpected default: %+v", cfg)
	}
	if time.Duration(cfg.Storage.Retention.Time) != 30*24*time.Hour {
		t.Errorf("retention %v, want 30d", cfg.Storage.Retention.Time)
	}
	targets := map[string]string{}
	for _, sc := range cfg.Prometheus.ScrapeConfigs {
		targets[sc.JobName] = sc.ServiceDiscoveryConfigs[0].(interface{ Name() string }).Name()
	}
	// ward and node_exporter only: a default that scraped the app or
	// postgres_exporter paged new users about services they lack.
	if len(targets) != 1 || targets["node"] == "" {
		t.Errorf("default config jobs = %v, want node only (ward's own job is implicit)", targets)
	}
	if cfg.TSDBPath() != filepath.Join("data", "tsdb") {
		t.Errorf("TSDBPath = %q", cfg.TSDBPath())
	}
}

func TestEmptyDocumentGetsDefaults(t *testing.T) {
	for _, doc := range []string{"", "# nothing\n", "{}"} {
		cfg, err := Load([]byte(doc), "empty.yaml")
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if !reflect.DeepEqual(cfg.Storage, DefaultStorage()) || !reflect.DeepEqual(cfg.Server, DefaultServer()) || !reflect.DeepEqual(cfg.Rules, DefaultRules()) {
			t.Errorf("%q: defaults not applied: %+v", doc, cfg)
		}
	}
}

// TestBadConfigs loads every testdata/bad file; each names the errors it
// must produce in "# error: " lines at its top.
func TestBadConfigs(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad configs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, line := range strings.Split(string(data), "\n") {
				if w, ok := strings.CutPrefix(line, "# error: "); ok {
					want = append(want, strings.TrimSpace(w))
				}
			}
			if len(want) == 0 {
				t.Fatal("file names no expected error")
			}
			_, err = Load(data, filepath.Base(f))
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestSecretsRedacted(t *testing.T) {
	const doc = `
scrape_configs:
  - job_name: app
    basic_auth: {username: ward, password: hunter2-basic}
    static_configs: [{targets: ["127.0.0.1:8000"]}]
  - job_name: api
    authorization: {credentials: hunter2-bearer}
    static_configs: [{targets: ["127.0.0.1:8001"]}]
`
	cfg, err := Load([]byte(doc), "secret.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := cfg.String()
	for _, secret := range []string{"hunter2-basic", "hunter2-bearer"} {
		if strings.Contains(out, secret) {
			t.Errorf("printed config leaks %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "<secret>") {
		t.Errorf("printed config shows no redaction marker:\n%s", out)
	}
	// The secret is still there for use.
	if string(cfg.Prometheus.ScrapeConfigs[0].HTTPClientConfig.BasicAuth.Password) != "hunter2-basic" {
		t.Error("password lost while decoding")
	}
}

func TestPrometheusYAMLPastesUnchanged(t *testing.T) {
	// A prometheus.yml fragment as people write it, including file_sd and
	// relabeling; ward's sections may come before or after it.
	const doc = `
server:
  listen: 127.0.0.1:9740
global:
  scrape_interval: 30s
  external_labels:
    env: production
rule_files:
  - rules/*.yml
scrape_configs:
  - job_name: workers
    metrics_path: /custom
    file_sd_configs:
      - files: [targets/*.json]
        refresh_interval: 1m
    relabel_configs:
      - source_labels: [__address__]
        regex: "(.*):.*"
        target_label: host
        replacement: "$1"
storage:
  retention: {time: 7d, size: 2GiB}
`
	cfg, err := LoadFile(writeTemp(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.Prometheus.ScrapeConfigs[0]
	if sc.MetricsPath != "/custom" || time.Duration(sc.ScrapeInterval) != 30*time.Second || len(sc.RelabelConfigs) != 1 {
		t.Fatalf("scrape config not as written: %+v", sc)
	}
	if cfg.Prometheus.GlobalConfig.ExternalLabels.Get("env") != "production" {
		t.Error("external label lost")
	}
	if !filepath.IsAbs(cfg.RuleFiles()[0]) {
		t.Errorf("rule file glob %q not resolved against the config's directory", cfg.RuleFiles()[0])
	}
	if cfg.Storage.Retention.Size != 2<<30 || cfg.Storage.Retention.Time != model.Duration(7*24*time.Hour) {
		t.Errorf("retention = %+v", cfg.Storage.Retention)
	}
}

func TestWithSelfScrape(t *testing.T) {
	cfg, err := Load([]byte("scrape_configs: [{job_name: node, static_configs: [{targets: ['127.0.0.1:9100']}]}]"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prom, err := cfg.WithSelfScrape("127.0.0.1:1234", "s3cret-scrape-token")
	if err != nil {
		t.Fatal(err)
	}
	if got := prom.ScrapeConfigs[0]; got.JobName != SelfJob || got.BodySizeLimit != DefaultBodySizeLimit || len(prom.ScrapeConfigs) != 2 {
		t.Fatalf("self job = %+v", got)
	}
	if _, err := prom.GetScrapeConfigs(); err != nil {
		t.Fatalf("self job invalid: %v", err)
	}
	if prom.ScrapeConfigs[0].HonorLabels {
		t.Errorf("self job honors labels: a series' own job label would replace job=%q", SelfJob)
	}
	auth := prom.ScrapeConfigs[0].HTTPClientConfig.Authorization
	if auth == nil || string(auth.Credentials) != "s3cret-scrape-token" || auth.Type != "Bearer" {
		t.Errorf("self job authorization = %+v, want the bearer token", auth)
	}
	// The loaded config is left alone: the job and its token are not
	// part of what ward prints or serves as its configuration.
	if len(cfg.Prometheus.ScrapeConfigs) != 1 || cfg.Prometheus.ScrapeConfigs[0].JobName != "node" {
		t.Errorf("WithSelfScrape changed the config: %v", cfg.Prometheus.ScrapeConfigs)
	}
	if out := cfg.String(); strings.Contains(out, "s3cret-scrape-token") || strings.Contains(out, "job_name: "+SelfJob) {
		t.Errorf("the printed config shows the self job:\n%s", out)
	}
	// A user-defined ward job wins.
	own, err := Load([]byte("scrape_configs: [{job_name: ward, static_configs: [{targets: ['127.0.0.1:9740']}]}]"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prom, err = own.WithSelfScrape("127.0.0.1:1234", "s3cret-scrape-token")
	if err != nil || len(prom.ScrapeConfigs) != 1 || prom.ScrapeConfigs[0].HTTPClientConfig.Authorization != nil {
		t.Fatalf("with a user ward job: %v, %v", prom.ScrapeConfigs, err)
	}
}

func writeTemp(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "ward.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// FuzzLoad feeds arbitrary documents to the loader: it must return a
// config or an error, never panic.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/bad/*.yaml")
	seeds = append(seeds, "../config.example.yaml", "default.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Load(data, "fuzz.yaml")
		if err == nil && cfg.Prometheus == nil {
			t.Fatal("nil Prometheus config without error")
		}
	})
}
