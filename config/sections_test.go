package config

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestEverySectionIsWired walks Config's fields, so that a new section
// cannot be forgotten: each exported field says in its yaml tag whether
// it is a section, and each section must be accepted by the strict
// checker, decoded by Load, hidden from Prometheus' loader and (unless
// it has its own loader) printed by String.
func TestEverySectionIsWired(t *testing.T) {
	data, err := os.ReadFile("testdata/sections.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(data, "sections.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def, err := Load(nil, "empty.yaml")
	if err != nil {
		t.Fatal(err)
	}
	printed := "\n" + cfg.String()
	hidden := prometheusPart(data, mustRoot(t, data))
	n := 0
	ct := reflect.TypeFor[Config]()
	for i := 0; i < ct.NumField(); i++ {
		f := ct.Field(i)
		key := yamlKey(f)
		if key == "" {
			t.Errorf("Config.%s has no yaml tag: give it a section key, or \"-\" if it is not a section", f.Name)
			continue
		}
		if key == "-" {
			continue
		}
		n++
		t.Run(key, func(t *testing.T) {
			if !strings.Contains(string(data), "\n"+key+":") {
				t.Fatalf("testdata/sections.yaml does not set %s", key)
			}
			got := reflect.ValueOf(cfg).Elem().Field(i).Interface()
			if reflect.DeepEqual(got, reflect.ValueOf(def).Elem().Field(i).Interface()) {
				t.Errorf("Load did not decode %s into Config.%s: it still holds the default", key, f.Name)
			}
			if strings.Contains(hidden, "\n"+key+":") {
				t.Errorf("%s reaches Prometheus' loader", key)
			}
			s, ok := wardSection(key)
			if !ok {
				t.Fatalf("%s is not a ward section", key)
			}
			if !s.own && !strings.Contains(printed, "\n"+key+":") {
				t.Errorf("String does not print %s:\n%s", key, printed)
			}
		})
	}
	if n != len(sections) {
		t.Errorf("Config has %d sections, sections lists %d", n, len(sections))
	}
}

// TestUnknownSectionRejected: a key that is neither ward's nor
// Prometheus' is an error, not a silently ignored section.
func TestUnknownSectionRejected(t *testing.T) {
	_, err := Load([]byte("storage: {path: ./d}\ntelemetry: {}\n"), "x.yaml")
	if err == nil || !strings.Contains(err.Error(), `x.yaml:2:1: telemetry: unknown key "telemetry"`) {
		t.Fatalf("err = %v", err)
	}
}

// mustRoot returns the top-level mapping of a YAML document.
func mustRoot(tb testing.TB, data []byte) *yaml.Node {
	tb.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		tb.Fatal(err)
	}
	return root.Content[0]
}
