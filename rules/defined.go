package rules

import (
	"errors"
	"log/slog"
	"path/filepath"

	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/ward-monitoring/ward/config"
)

// groups returns the rule groups cfg loads: the built-in pack less what it
// disables or replaces, and the user's rule files.
func groups(cfg *config.Config) ([]rulefmt.RuleGroup, error) {
	l := &loader{parser: NewParser(), logger: slog.New(slog.DiscardHandler)}
	files, drop, err := plan(cfg, l)
	if err != nil {
		return nil, err
	}
	l.setDrop(drop)
	var out []rulefmt.RuleGroup
	for _, f := range files {
		rgs, errs := l.Load(f, false, cfg.Prometheus.GlobalConfig.MetricNameValidationScheme)
		if errs != nil {
			return nil, errors.Join(errs...)
		}
		out = append(out, rgs.Groups...)
	}
	return out, nil
}

// AlertNames returns the names of the alerting rules cfg loads. An alert
// restored from before a restart whose name is not among them belongs to
// a rule that no longer exists, and nothing will ever resolve it.
func AlertNames(cfg *config.Config) (map[string]bool, error) {
	gs, err := groups(cfg)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, g := range gs {
		for _, r := range g.Rules {
			if r.Alert != "" {
				names[r.Alert] = true
			}
		}
	}
	return names, nil
}

// UnmatchedFiles returns the rule_files patterns that match no file. They
// are not errors (Prometheus accepts them, and a directory may be filled
// later), but a typo in one means its rules silently never load, so
// `ward check config` and every reload warn about them.
func UnmatchedFiles(cfg *config.Config) []string {
	var out []string
	for _, pat := range cfg.RuleFiles() {
		if m, err := filepath.Glob(pat); err == nil && len(m) == 0 {
			out = append(out, pat)
		}
	}
	return out
}

// CheckPanelThresholds fails when a user panel (dashboard.panels) names
// an alerting rule cfg does not load, with the panel's file:line; `ward
// check config` and every reload run it once the rules are known.
func CheckPanelThresholds(cfg *config.Config) error {
	names, err := AlertNames(cfg)
	if err != nil {
		return err
	}
	return cfg.CheckThresholds(func(n string) bool { return names[n] })
}
