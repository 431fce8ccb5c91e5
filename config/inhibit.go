package config

import (
	"fmt"

	amcommoncfg "github.com/prometheus/alertmanager/config/common"
	yamlv2 "go.yaml.in/yaml/v2"

	"github.com/ward-monitoring/ward/rules/builtin"
)

// builtinInhibitRules parses the rule pack's inhibit rules
// (rules/builtin/inhibit_rules.yaml). They are embedded, so an error is a
// bug in ward, reported like any config error rather than a panic.
func builtinInhibitRules() ([]amcommoncfg.InhibitRule, error) {
	var doc struct {
		InhibitRules []amcommoncfg.InhibitRule `yaml:"inhibit_rules"`
	}
	if err := yamlv2.UnmarshalStrict(builtin.InhibitRules, &doc); err != nil {
		return nil, fmt.Errorf("built-in inhibit rules: %w", err)
	}
	return doc.InhibitRules, nil
}
