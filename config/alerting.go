package config

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"
	amcommoncfg "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// DefaultFallbackAfter is how long a receiver must have been failing
// before its route's fallback receiver takes over.
const DefaultFallbackAfter = 5 * time.Minute

// defaultAlertingYAML applies when the configuration has no alerting
// section: every alert goes to a receiver without integrations, whose
// notifications ward logs.
const defaultAlertingYAML = `route:
  receiver: log
  group_by: [alertname, job]
receivers:
  - name: log
`

// Alerting is the `alerting:` section: Alertmanager's own configuration
// format (route, receivers, inhibit_rules, time_intervals, templates) plus
// ward's fallback extension on routes.
type Alerting struct {
	// Alertmanager is the section as Alertmanager parsed and validated it.
	Alertmanager *amconfig.Config
	// Fallbacks maps a receiver to the receiver that takes over when it
	// has been failing for a while.
	Fallbacks map[string]Fallback
	// BuiltinInhibitRules are the rule pack's inhibit rules, applied
	// after Alertmanager.InhibitRules; empty when rules.builtin is false.
	// They stay out of Alertmanager so that the config ward prints is
	// the user's.
	BuiltinInhibitRules []amcommoncfg.InhibitRule
}

// Fallback names the receiver that takes over from a failing one.
type Fallback struct {
	Receiver string
	After    time.Duration
}

// routeExtensions are the keys ward adds to Alertmanager's route.
var routeExtensions = map[string]bool{"fallback": true, "fallback_after": true}

// loadAlerting decodes the alerting section (or the default when absent).
// Alertmanager's loader sees the section's own lines at their original
// line numbers, with ward's route extensions blanked out.
func loadAlerting(data []byte, doc *yaml.Node, source, dir string) (*Alerting, error) {
	var key, val *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "alerting" {
			key, val = doc.Content[i], doc.Content[i+1]
		}
	}
	text := defaultAlertingYAML
	out := &Alerting{Fallbacks: map[string]Fallback{}}
	var errs []error
	if val != nil && !(val.Kind == yaml.ScalarNode && val.Tag == "!!null") {
		blank := map[int]bool{}
		if route := child(val, "route"); route != nil {
			errs = append(errs, walkRoute(route, "", "alerting.route", source, out.Fallbacks, blank)...)
		}
		text = sectionText(data, doc, key, val, blank)
	}
	am, err := loadAlertmanager(text)
	if err != nil {
		errs = append(errs, locate(prometheusError(source, err), source, val))
		return nil, errors.Join(errs...)
	}
	for i, t := range am.Templates {
		if !filepath.IsAbs(t) {
			am.Templates[i] = filepath.Join(dir, t)
		}
	}
	receivers := map[string]bool{}
	for _, r := range am.Receivers {
		receivers[r.Name] = true
	}
	for from, fb := range out.Fallbacks {
		if !receivers[fb.Receiver] {
			errs = append(errs, fmt.Errorf("%s: alerting: fallback receiver %q of receiver %q is not defined", source, fb.Receiver, from))
		}
		if fb.Receiver == from {
			errs = append(errs, fmt.Errorf("%s: alerting: receiver %q cannot be its own fallback", source, from))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	applyResolvedDefault(val, am)
	out.Alertmanager = am
	return out, nil
}

// walkRoute records a route's fallback keys by the receiver it uses
// (inherited from its parent when unset) and marks their lines to hide
// from Alertmanager, then descends into child routes.
func walkRoute(r *yaml.Node, parentReceiver, path, source string, out map[string]Fallback, blank map[int]bool) []error {
	if r.Kind != yaml.MappingNode {
		return nil
	}
	var errs []error
	receiver := parentReceiver
	var fallback string
	after := DefaultFallbackAfter
	var fbNode *yaml.Node
	for i := 0; i+1 < len(r.Content); i += 2 {
		k, v := r.Content[i], r.Content[i+1]
		switch k.Value {
		case "receiver":
			receiver = v.Value
		case "fallback", "fallback_after":
			if v.Line != k.Line || v.Kind != yaml.ScalarNode {
				errs = append(errs, fmt.Errorf("%s:%d:%d: %s.%s: write it on one line as a plain value", source, k.Line, k.Column, path, k.Value))
				continue
			}
			blank[k.Line] = true
			if k.Value == "fallback" {
				fallback, fbNode = v.Value, k
				continue
			}
			d, err := model.ParseDuration(v.Value)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s:%d:%d: %s.fallback_after: want a positive duration, got %q", source, v.Line, v.Column, path, v.Value))
				continue
			}
			after = time.Duration(d)
		case "routes":
			for j, child := range v.Content {
				// Alertmanager's loader dereferences an empty entry.
				if child.Kind != yaml.MappingNode {
					errs = append(errs, fmt.Errorf("%s:%d:%d: %s.routes[%d]: want a route (a mapping), got %s", source, child.Line, child.Column, path, j, kindName(child)))
					continue
				}
				errs = append(errs, walkRoute(child, receiver, fmt.Sprintf("%s.routes[%d]", path, j), source, out, blank)...)
			}
		}
	}
	if fallback == "" {
		return errs
	}
	if prev, ok := out[receiver]; ok && prev.Receiver != fallback {
		errs = append(errs, fmt.Errorf("%s:%d:%d: %s.fallback: receiver %q already falls back to %q", source, fbNode.Line, fbNode.Column, path, receiver, prev.Receiver))
		return errs
	}
	out[receiver] = Fallback{Receiver: fallback, After: after}
	return errs
}

// loadAlertmanager is amconfig.Load, which panics on some malformed
// documents (a nil route); a bad file must be an error, never a crash.
func loadAlertmanager(text string) (am *amconfig.Config, err error) {
	defer func() {
		if p := recover(); p != nil {
			am, err = nil, fmt.Errorf("alerting: malformed section (Alertmanager's loader failed: %v)", p)
		}
	}()
	return amconfig.Load(text)
}

// sectionText returns the alerting section as a top-level document whose
// lines keep their numbers in the original file.
func sectionText(data []byte, doc, key, val *yaml.Node, blank map[int]bool) string {
	if val.Kind != yaml.MappingNode || val.Style&yaml.FlowStyle != 0 {
		out, err := yaml.Marshal(val)
		if err != nil {
			return ""
		}
		return string(out)
	}
	lines := bytes.Split(data, []byte("\n"))
	end := len(lines)
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if k := doc.Content[i]; k.Line > key.Line && k.Line-1 < end {
			end = k.Line - 1
		}
	}
	indent := val.Column - 1
	out := make([][]byte, len(lines))
	for l := key.Line; l < end; l++ { // l is 0-based: the line after the key
		if blank[l+1] {
			continue
		}
		line := lines[l]
		trimmed := bytes.TrimLeft(line, " ")
		if len(line)-len(trimmed) >= indent {
			out[l] = line[indent:]
		} else {
			out[l] = trimmed
		}
	}
	return string(bytes.Join(out, []byte("\n")))
}

// applyResolvedDefault turns on send_resolved for email and Slack configs
// that do not set it: a team should hear that an incident is over, and
// Alertmanager's default (off) is a common surprise.
func applyResolvedDefault(val *yaml.Node, am *amconfig.Config) {
	explicit := func(recv int, kind string, idx int) bool {
		if val == nil {
			return false
		}
		r := child(child(val, "receivers"), fmt.Sprint(recv))
		return child(child(child(r, kind), fmt.Sprint(idx)), "send_resolved") != nil
	}
	for i := range am.Receivers {
		for j, c := range am.Receivers[i].EmailConfigs {
			if !explicit(i, "email_configs", j) {
				c.VSendResolved = true
			}
		}
		for j, c := range am.Receivers[i].SlackConfigs {
			if !explicit(i, "slack_configs", j) {
				c.VSendResolved = true
			}
		}
	}
}

// child returns a mapping's value by key or a sequence's item by index.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		var idx int
		if _, err := fmt.Sscan(key, &idx); err == nil && idx >= 0 && idx < len(n.Content) {
			return n.Content[idx]
		}
	}
	return nil
}

var quotedRE = regexp.MustCompile(`"([^"]+)"`)

// locate gives a position to Alertmanager's semantic errors, which have
// none ("undefined receiver \"x\" used in route"): the first value in the
// section equal to the quoted name.
func locate(err error, source string, val *yaml.Node) error {
	if val == nil || !strings.HasPrefix(err.Error(), source+": ") {
		return err // already positioned, or several errors
	}
	m := quotedRE.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	var found *yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if found != nil {
			return
		}
		if n.Kind == yaml.ScalarNode && n.Value == m[1] {
			found = n
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(val)
	if found == nil {
		return err
	}
	msg := strings.TrimPrefix(err.Error(), source+": ")
	return fmt.Errorf("%s:%d:%d: alerting: %s", source, found.Line, found.Column, msg)
}
