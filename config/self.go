package config

import (
	"fmt"

	promconfig "github.com/prometheus/prometheus/config"
	"go.yaml.in/yaml/v2"
)

// SelfJob is the scrape job of ward's own /metrics.
const SelfJob = "ward"

// WithSelfScrape returns the Prometheus configuration ward scrapes by: c's,
// with a first job for ward's own /metrics at addr, authenticated with
// token (ward's in-memory scrape token; empty for none), unless c already
// defines a job of that name (then the user's wins, and needs an API token
// of its own). c itself is left as loaded, so the job and its token never
// show in the configuration ward prints or serves.
func (c *Config) WithSelfScrape(addr, token string) (*promconfig.Config, error) {
	out := *c.Prometheus
	for _, sc := range c.Prometheus.ScrapeConfigs {
		if sc.JobName == SelfJob {
			return &out, nil
		}
	}
	var sc promconfig.ScrapeConfig
	// honor_labels stays false: the scrape's job="ward" and instance win,
	// so every alert on ward's own series says it came from ward (the
	// backup series name their job in backup_job, issue 12).
	doc := fmt.Sprintf("job_name: %s\nstatic_configs:\n  - targets: [%q]\n", SelfJob, addr)
	if token != "" {
		doc += fmt.Sprintf("authorization:\n  credentials: %q\n", token)
	}
	if c.Server.TLS.Enabled() {
		// Issue 13: ward serves https. The target is ward's own
		// listener on a loopback address it has just bound, so no one
		// else can answer there; its certificate is for the names
		// people use (often not 127.0.0.1) and may be self-signed or
		// rotated to another issuer at any time, so it is not verified
		// here. The bearer token is ward's in-memory one, good for
		// nothing but /metrics.
		doc += "scheme: https\ntls_config:\n  insecure_skip_verify: true\n"
	}
	if err := yaml.UnmarshalStrict([]byte(doc), &sc); err != nil {
		return nil, fmt.Errorf("config: self-scrape job: %w", err)
	}
	if err := sc.Validate(c.Prometheus.GlobalConfig); err != nil {
		return nil, fmt.Errorf("config: self-scrape job: %w", err)
	}
	out.ScrapeConfigs = append([]*promconfig.ScrapeConfig{&sc}, c.Prometheus.ScrapeConfigs...)
	return &out, nil
}
