package config

import "testing"

// TestBuiltinInhibitRules: the pack's inhibit rules parse and come with
// the pack, after (not instead of) the user's own; without the pack
// there are none.
func TestBuiltinInhibitRules(t *testing.T) {
	doc := "alerting:\n  route: {receiver: r}\n  receivers: [{name: r}]\n  inhibit_rules:\n    - source_matchers: ['alertname=\"Mine\"']\n      target_matchers: ['severity=\"warning\"']\n"
	cfg, err := Load([]byte(doc), "ward.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cfg.Alerting.Alertmanager.InhibitRules); n != 1 {
		t.Errorf("user inhibit rules: %d, want 1", n)
	}
	names := map[string]bool{}
	for _, r := range cfg.Alerting.BuiltinInhibitRules {
		names[r.Name] = true
		if len(r.SourceMatchers) == 0 || len(r.TargetMatchers) == 0 || len(r.Equal) == 0 {
			t.Errorf("built-in inhibit rule %q is incomplete: %+v", r.Name, r)
		}
	}
	if !names["builtin-target-down"] || !names["builtin-dependency-down"] {
		t.Errorf("built-in inhibit rules %v", names)
	}
	off, err := Load([]byte(doc+"rules: {builtin: false}\n"), "ward.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(off.Alerting.BuiltinInhibitRules); n != 0 {
		t.Errorf("rules.builtin false: %d built-in inhibit rules", n)
	}
}
