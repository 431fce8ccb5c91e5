package ui

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"
)

// Bounds of a label-matcher filter, on /alerts and in a silence form.
const (
	// maxFilterBytes bounds the filter text: a notification link's
	// filter names a group's labels, well under 1 KiB.
	maxFilterBytes = 2048
	// maxFilterMatchers bounds the matchers of one filter or silence.
	maxFilterMatchers = 32
)

// parseMatchers parses matchers written as the notification links and
// amtool write them: {alertname="X",severity="critical"}, braces
// optional. field names the form field in errors. Empty text is no
// matcher.
func parseMatchers(field, text string) (labels.Matchers, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	if len(text) > maxFilterBytes {
		return nil, badRequest(fmt.Sprintf("%s: longer than %d bytes", field, maxFilterBytes))
	}
	ms, err := labels.ParseMatchers(text)
	if err != nil {
		return nil, badRequest(fmt.Sprintf("%s: %v", field, err))
	}
	if len(ms) > maxFilterMatchers {
		return nil, badRequest(fmt.Sprintf("%s: more than %d matchers", field, maxFilterMatchers))
	}
	return ms, nil
}

// alertStates are the states /alerts filters by.
var alertStates = []string{"firing", "pending", "silenced", "inhibited"}

// alertsQuery is what GET /alerts asks for.
type alertsQuery struct {
	Filter   string // as written, to show it again
	Matchers labels.Matchers
	State    string // "" for every state
}

// parseAlertsQuery reads ?filter=...&state=... Several filter values are
// all applied, as in Alertmanager's UI.
func parseAlertsQuery(q url.Values) (alertsQuery, error) {
	var aq alertsQuery
	fs := q["filter"]
	if len(fs) > maxFilterMatchers {
		return aq, badRequest(fmt.Sprintf("filter: more than %d values", maxFilterMatchers))
	}
	var texts []string
	for _, f := range fs {
		ms, err := parseMatchers("filter", f)
		if err != nil {
			return aq, err
		}
		aq.Matchers = append(aq.Matchers, ms...)
		if strings.TrimSpace(f) != "" {
			texts = append(texts, strings.TrimSpace(f))
		}
	}
	if len(aq.Matchers) > maxFilterMatchers {
		return aq, badRequest(fmt.Sprintf("filter: more than %d matchers", maxFilterMatchers))
	}
	aq.Filter = strings.Join(texts, ",")
	if len(aq.Matchers) > 0 && len(texts) > 1 {
		aq.Filter = aq.Matchers.String()
	}
	switch st := q.Get("state"); st {
	case "", "all":
	case "firing", "pending", "silenced", "inhibited":
		aq.State = st
	default:
		return aq, badRequest("state: want firing, pending, silenced or inhibited")
	}
	return aq, nil
}

// labelsMatcherText writes a label set as matchers that select exactly
// it, in the filter syntax: {a="1",b="2"}.
func labelsMatcherText(ls model.LabelSet) string {
	names := make([]string, 0, len(ls))
	for n := range ls {
		names = append(names, string(n))
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, n+"="+strconv.Quote(string(ls[model.LabelName(n)])))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// stampUTC formats a time as the console shows times: in UTC, saying so.
func stampUTC(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// agoFrom says how long before now t was ("3m ago"), or after ("in 2h").
func agoFrom(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if d := now.Sub(t); d >= 0 {
		return shortDuration(d) + " ago"
	}
	return "in " + shortDuration(t.Sub(now))
}

// shortDuration writes d in its two largest units: 45s, 3m, 2h 5m, 4d 3h.
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m > 0 {
			return fmt.Sprintf("%dh %dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	}
	days := int(d.Hours()) / 24
	if h := int(d.Hours()) % 24; h > 0 {
		return fmt.Sprintf("%dd %dh", days, h)
	}
	return fmt.Sprintf("%dd", days)
}

// countNoun writes n and the noun, plural unless n is 1: "1 alert",
// "3 alerts".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
