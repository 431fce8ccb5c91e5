package slack

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/alertmanager/template"
)

// Limits that keep a message readable (and inside Slack's block limits).
const (
	maxKeyLabels   = 8   // label fields beside severity and times; a section holds 10
	maxLabelValue  = 80  // runes of one label value
	maxAlertLines  = 10  // alerts listed in a grouped notification
	maxIdentRunes  = 120 // runes of an alert's distinguishing labels
	maxSummaryLine = 150 // runes of a summary in an alert line
	maxDescription = 500 // runes of a description
	maxLinkText    = 40  // runes of a link_url's text
)

// hiddenLabels are shown elsewhere in the message, never as key labels.
var hiddenLabels = map[string]bool{"alertname": true, "severity": true}

// preferredLabels come first among key labels, in this order; the rest
// follow alphabetically.
var preferredLabels = []string{"instance", "job", "service", "namespace", "cluster", "env", "environment", "team", "host", "pod", "container"}

// view is what a message shows, taken from Alertmanager's template data.
type view struct {
	resolved    bool // every alert in the notification is resolved
	firing      int
	total       int
	name        string
	severity    string
	summary     string
	description string
	started     time.Time
	ended       time.Time
	labels      []pair // key labels of the alert, or common to the group
	common      template.KV
	groupLabels []pair
	alerts      []template.Alert // when grouped: firing first, then by start
	runbook     string           // common to all alerts, when there is one
	// link is the page the alert is about (annotation link_url, e.g. an
	// error issue's page in ward), with its text (link_text), when
	// common to all alerts.
	link, linkText string
	wardURL        string
}

type pair struct{ name, value string }

// newView reads data: a single alert shows its own labels and annotations,
// a group those its alerts share, plus a line per alert.
func newView(data *template.Data, ward *url.URL) view {
	v := view{
		total:       len(data.Alerts),
		firing:      len(data.Alerts.Firing()),
		groupLabels: sortedPairs(data.GroupLabels),
		common:      data.CommonLabels,
		wardURL:     wardLink(ward, data.GroupLabels),
	}
	v.resolved = v.total > 0 && v.firing == 0
	labels, annotations := data.CommonLabels, data.CommonAnnotations
	if v.total == 1 {
		labels, annotations = data.Alerts[0].Labels, data.Alerts[0].Annotations
	}
	v.name = cmp.Or(labels["alertname"], data.GroupLabels["alertname"], joinValues(v.groupLabels), "alerts")
	v.summary = annotations["summary"]
	v.description, _ = notify.TruncateInRunes(annotations["description"], maxDescription)
	v.runbook = webURL(annotations["runbook_url"])
	v.link, v.linkText = webURL(annotations["link_url"]), linkText(annotations)
	v.labels = keyLabels(labels)

	v.alerts = slices.Clone(data.Alerts)
	slices.SortStableFunc(v.alerts, func(a, b template.Alert) int {
		if (a.Status == "firing") != (b.Status == "firing") {
			if a.Status == "firing" {
				return -1
			}
			return 1
		}
		return a.StartsAt.Compare(b.StartsAt)
	})
	rank := 99
	for _, a := range v.alerts {
		if v.started.IsZero() || a.StartsAt.Before(v.started) {
			v.started = a.StartsAt
		}
		if a.EndsAt.After(v.ended) {
			v.ended = a.EndsAt
		}
		if r := severityRank(a.Labels["severity"]); (a.Status == "firing" || v.resolved) && r < rank {
			rank, v.severity = r, a.Labels["severity"]
		}
	}
	return v
}

// linkText is the text of an alert's link_url: its link_text, capped,
// or "Details".
func linkText(annotations template.KV) string {
	t, _ := notify.TruncateInRunes(cmp.Or(strings.TrimSpace(annotations["link_text"]), "Details"), maxLinkText)
	return t
}

// keyLabels picks the labels worth showing: not the ones displayed
// elsewhere, preferred ones first, capped in number and length.
func keyLabels(kv template.KV) []pair {
	var out []pair
	for _, p := range sortedPairs(kv) {
		if hiddenLabels[p.name] {
			continue
		}
		p.value, _ = notify.TruncateInRunes(p.value, maxLabelValue)
		out = append(out, p)
	}
	prio := func(name string) int {
		if i := slices.Index(preferredLabels, name); i >= 0 {
			return i
		}
		return len(preferredLabels)
	}
	slices.SortStableFunc(out, func(a, b pair) int { return cmp.Compare(prio(a.name), prio(b.name)) })
	return out[:min(len(out), maxKeyLabels)]
}

// ident names one alert of a group by the labels it does not share with
// the rest (severity aside, which its emoji shows).
func ident(a template.Alert, common template.KV) string {
	var parts []string
	for _, p := range sortedPairs(a.Labels) {
		if p.name == "severity" || common[p.name] == p.value {
			continue
		}
		parts = append(parts, p.name+"="+p.value)
	}
	s, _ := notify.TruncateInRunes(cmp.Or(strings.Join(parts, ", "), a.Labels["alertname"]), maxIdentRunes)
	return s
}

func sortedPairs(kv template.KV) []pair {
	out := make([]pair, 0, len(kv))
	for _, p := range kv.SortedPairs() {
		out = append(out, pair{p.Name, p.Value})
	}
	return out
}

func joinValues(ps []pair) string {
	vals := make([]string, len(ps))
	for i, p := range ps {
		vals[i] = p.value
	}
	return strings.Join(vals, " · ")
}

// wardLink is ward's alert list filtered on the group labels, in the
// matcher syntax Alertmanager's UI and amtool use: {job="api",env="prod"}.
func wardLink(base *url.URL, group template.KV) string {
	if base == nil {
		return ""
	}
	u := base.JoinPath("alerts")
	if len(group) > 0 {
		var ms []string
		for _, p := range group.SortedPairs() {
			ms = append(ms, p.Name+"="+strconv.Quote(p.Value))
		}
		u.RawQuery = url.Values{"filter": {"{" + strings.Join(ms, ",") + "}"}}.Encode()
	}
	return u.String()
}

// webURL returns s when it is an absolute http(s) URL, so an annotation
// cannot smuggle another scheme or broken markup into a link.
func webURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// severityRank orders common severity names, most urgent first.
func severityRank(s string) int {
	switch strings.ToLower(s) {
	case "critical", "page", "emergency", "fatal":
		return 0
	case "error", "high", "major":
		return 1
	case "warning", "warn", "medium", "minor":
		return 2
	case "info", "low", "notice", "none":
		return 3
	}
	return 4
}

func severityEmoji(s string) string {
	return [...]string{":red_circle:", ":red_circle:", ":large_orange_circle:", ":large_blue_circle:", ":white_circle:"}[severityRank(s)]
}

// escape makes outside text safe inside Slack mrkdwn: no links, mentions
// (<!channel>) or broken entities can come from a label or annotation.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// link is a mrkdwn link; the URL is percent-escaped where Slack's link
// syntax would otherwise end early.
func link(u, text string) string {
	u = strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(u)
	return "<" + u + "|" + escape(text) + ">"
}

// date shows t in each reader's own time zone, with a UTC fallback for
// clients that cannot.
func date(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}
