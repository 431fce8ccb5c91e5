// Package config owns ward's single YAML configuration file: its types, the
// embedded default, strict decoding with file:line:column errors, and
// validation. Sections that Prometheus defines (global, scrape_configs,
// scrape_config_files, rule_files) keep Prometheus' own types and meaning so
// that a prometheus.yml pastes in unchanged.
package config

import (
	_ "embed"
	"fmt"
	"path/filepath"
	"time"

	"github.com/alecthomas/units"
	"github.com/prometheus/common/model"
	promconfig "github.com/prometheus/prometheus/config"
	"go.yaml.in/yaml/v2"
)

// DefaultListen is where ward's HTTP server listens unless configured.
// Loopback only: ward is secure by default and exposes nothing until asked.
const DefaultListen = "127.0.0.1:9740"

// DefaultBodySizeLimit bounds a scrape body when neither the global section
// nor the scrape config sets body_size_limit. Prometheus' own default is
// unlimited, which lets one broken target exhaust ward's memory.
const DefaultBodySizeLimit = 16 * units.MiB

// defaultYAML is the configuration `ward serve` runs without --config.
//
//go:embed default.yaml
var defaultYAML []byte

// DefaultSource names the embedded default in errors and logs.
const DefaultSource = "<embedded default>"

// Config is ward's whole configuration. Treat a loaded Config as read-only:
// a reload builds a new one.
type Config struct {
	// Prometheus holds global, scrape_configs, scrape_config_files and
	// rule_files exactly as Prometheus parsed and validated them. Relative
	// paths are already resolved against the config file's directory.
	Prometheus *promconfig.Config `yaml:"-"`

	// ward's own sections: every field with a yaml key is one, and this
	// is the only list of them (sections.go derives the rest).
	Storage Storage `yaml:"storage"`
	Server  Server  `yaml:"server"`
	Rules   Rules   `yaml:"rules"`
	Checks  []Check `yaml:"checks,omitempty"`
	Auth    Auth    `yaml:"auth"`
	Query   Query   `yaml:"query"`
	Events  Events  `yaml:"events"`
	// Dashboard is the graphs' refresh and the user's panels (issue 11).
	Dashboard Dashboard `yaml:"dashboard"`
	// Mail is how ward mails users (reset links, security notices); nil
	// when the file has no mail section, and then ward sends no mail.
	Mail *Mail `yaml:"mail,omitempty"`
	// Backups are the backup jobs, stanza policies and restore drills
	// (issue 12; backups.go).
	Backups Backups `yaml:"backups"`
	// Limits are the request rate limits (issue 13, rate limits).
	Limits Limits `yaml:"limits"`
	// Privacy is the retention of ward's own users' personal data and
	// the erasure ledger (issue 14, privacy.go).
	Privacy Privacy `yaml:"privacy"`
	// Compliance is the control checklist's policy and manual controls
	// (issue 14; compliance.go).
	Compliance Compliance `yaml:"compliance"`
	// Errors is error tracking: the projects whose Sentry SDKs send
	// events to ward (issue 16; errors.go).
	Errors Errors `yaml:"errors"`
	// Alerting routes alerts to people. Alertmanager's loader reads it,
	// and String leaves it out.
	Alerting *Alerting `yaml:"alerting"`

	// Source is the file the config came from, or DefaultSource.
	Source string `yaml:"-"`
}

// Storage configures where and how long ward keeps data.
type Storage struct {
	// Path is the data directory; the TSDB lives in Path/tsdb.
	Path      string    `yaml:"path"`
	Retention Retention `yaml:"retention"`
}

// Retention bounds the TSDB by age and by size; whichever is hit first wins.
type Retention struct {
	Time model.Duration `yaml:"time"`
	// Size of 0 means no size bound.
	Size units.Base2Bytes `yaml:"size"`
}

// Server configures ward's HTTP listener.
type Server struct {
	Listen string `yaml:"listen"`
	// ExternalURL is the address people use to reach ward; it is used in
	// alert links. Empty means http://<listen>/.
	ExternalURL string `yaml:"external_url"`
	// HealthDetails shows latency, errors and last success on /health/
	// to anyone; otherwise it shows only statuses.
	HealthDetails bool `yaml:"health_details"`
	// MemoryLimit is the ward process's soft memory limit (the Go
	// runtime's GOMEMLIMIT): near it the garbage collector works harder
	// instead of letting the heap grow. 0 (the default) means 75% of the
	// host's memory or of the cgroup's memory.max, whichever is smaller;
	// the GOMEMLIMIT environment variable, when set, takes precedence.
	MemoryLimit units.Base2Bytes `yaml:"memory_limit"`
	// TrustedProxies lists the networks (CIDRs or single addresses) of
	// reverse proxies whose X-Forwarded-For and Forwarded headers ward
	// believes. Empty (the default) trusts none: the client is the TCP
	// peer. Everything-networks are refused: they would let any client
	// choose its own address and dodge the per-address limits.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// AllowedHosts are extra host names browsers may use to reach ward.
	// The external URL's host, the listen address, IP literals and
	// localhost are always allowed; any other Host header is answered
	// 421, which defeats DNS rebinding.
	AllowedHosts []string `yaml:"allowed_hosts"`
	// TLS serves https natively and CORS lets listed origins call the
	// API (issue 13, server_tls.go).
	TLS  ServerTLS `yaml:"tls"`
	CORS CORS      `yaml:"cors"`
}

// Rules configures the built-in rule pack. User rule files come from the
// Prometheus-style top-level rule_files.
type Rules struct {
	// Builtin loads the embedded rule pack. A user rule with the same name
	// (alert or record) as a built-in one replaces it.
	Builtin bool `yaml:"builtin"`
	// Disable lists built-in rules (alert or record names) to leave out.
	Disable []string `yaml:"disable"`
	// ForGracePeriod is the least time an alert whose `for` state was
	// restored at start waits before firing (rulesrestore.go).
	ForGracePeriod model.Duration `yaml:"for_grace_period"`
}

// DefaultStorage returns the storage defaults.
func DefaultStorage() Storage {
	return Storage{
		Path:      "./data",
		Retention: Retention{Time: model.Duration(30 * 24 * time.Hour)},
	}
}

// DefaultServer returns the server defaults.
func DefaultServer() Server {
	return Server{Listen: DefaultListen}
}

// DefaultRules returns the rule pack defaults.
func DefaultRules() Rules {
	return Rules{Builtin: true, ForGracePeriod: model.Duration(DefaultForGracePeriod)}
}

// Default returns the embedded default configuration.
func Default() (*Config, error) {
	return Load(defaultYAML, DefaultSource)
}

// DefaultYAML returns the embedded default configuration's text.
func DefaultYAML() []byte {
	return append([]byte(nil), defaultYAML...)
}

// TSDBPath is the directory of the metrics database.
func (c *Config) TSDBPath() string {
	return filepath.Join(c.Storage.Path, "tsdb")
}

// RuleFiles returns the configured rule file globs, resolved against the
// config file's directory.
func (c *Config) RuleFiles() []string {
	return c.Prometheus.RuleFiles
}

// String renders the configuration as YAML with every secret redacted.
func (c *Config) String() string {
	own, err := yaml.Marshal(c.printed())
	if err != nil {
		return fmt.Sprintf("<error rendering config: %s>", err)
	}
	return c.Prometheus.String() + string(own)
}
