package config

import (
	"fmt"

	promconfig "github.com/prometheus/prometheus/config"
	"go.yaml.in/yaml/v2"
)

// SelfJob is the scrape job of ward's own /metrics.
const SelfJob = "ward"

// AddSelfScrape adds a scrape job for ward's own /metrics at addr,
// authenticated with token (ward's in-memory scrape token; empty for
// none), unless the configuration already defines a job of that name (then
// the user's wins, and needs an API token of its own). Call it before the
// config is shared.
func (c *Config) AddSelfScrape(addr, token string) error {
	for _, sc := range c.Prometheus.ScrapeConfigs {
		if sc.JobName == SelfJob {
			return nil
		}
	}
	var sc promconfig.ScrapeConfig
	doc := fmt.Sprintf("job_name: %s\nstatic_configs:\n  - targets: [%q]\n", SelfJob, addr)
	if token != "" {
		doc += fmt.Sprintf("authorization:\n  credentials: %q\n", token)
	}
	if err := yaml.UnmarshalStrict([]byte(doc), &sc); err != nil {
		return fmt.Errorf("config: self-scrape job: %w", err)
	}
	if err := sc.Validate(c.Prometheus.GlobalConfig); err != nil {
		return fmt.Errorf("config: self-scrape job: %w", err)
	}
	c.Prometheus.ScrapeConfigs = append([]*promconfig.ScrapeConfig{&sc}, c.Prometheus.ScrapeConfigs...)
	return nil
}
