package slack

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/notify"
	amslack "github.com/prometheus/alertmanager/notify/slack"
	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"
	"github.com/slack-go/slack"
)

// Slack's own limits on Block Kit text.
const (
	maxHeaderRunes  = 150
	maxSectionRunes = 3000
	maxFieldRunes   = 2000
	maxFields       = 10
)

// message is one rendered notification.
type message struct {
	view
	text   string // plain text for notifications and clients without blocks
	blocks []slack.Block
	reply  string // short thread reply when an existing message is updated

	channel, username, iconEmoji, iconURL string
}

// render builds the message for data: ward's Block Kit layout, with the
// user's own title, text and message_text where the config sets them.
// Alertmanager's loader fills unset template fields with its defaults, so a
// field counts as set only when it differs from that default.
func (n *Notifier) render(data *template.Data) (*message, error) {
	var err error
	tmpl := notify.TmplText(n.tmpl, data, &err)
	custom := func(v, def string) string {
		if v == "" || v == def {
			return ""
		}
		return tmpl(v)
	}
	c, d := n.conf, amslack.DefaultSlackConfig
	m := &message{
		view:      newView(data, n.ward),
		channel:   tmpl(c.Channel),
		username:  custom(c.Username, d.Username),
		iconEmoji: custom(c.IconEmoji, d.IconEmoji),
		iconURL:   custom(c.IconURL, d.IconURL),
	}
	title, text := custom(c.Title, d.Title), custom(c.Text, d.Text)
	m.text = cmp.Or(tmpl(c.MessageText), custom(c.Fallback, d.Fallback))
	var fields []*slack.TextBlockObject
	for _, f := range c.Fields {
		fields = append(fields, field(tmpl(f.Title), tmpl(f.Value)))
	}
	var actions []string
	for _, a := range c.Actions {
		if u := webURL(tmpl(a.URL)); u != "" {
			actions = append(actions, link(u, tmpl(a.Text)))
		}
	}
	if err != nil {
		return nil, err
	}

	if title == "" {
		title = m.headline()
	}
	if m.text == "" {
		m.text = m.fallback()
	}
	title, _ = notify.TruncateInRunes(title, maxHeaderRunes)
	m.blocks = append(m.blocks, slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, title, true, false)))
	m.blocks = append(m.blocks, section("", m.facts()...))
	if text != "" {
		m.blocks = append(m.blocks, section(text))
	} else {
		m.blocks = append(m.blocks, section(m.details()))
	}
	if len(fields) > 0 {
		m.blocks = append(m.blocks, section("", fields[:min(len(fields), maxFields)]...))
	}
	m.blocks = append(m.blocks, section(strings.Join(append(m.links(), actions...), "   ")))
	if len(m.groupLabels) > 0 {
		var ls []string
		for _, p := range m.groupLabels {
			ls = append(ls, p.name+"="+p.value)
		}
		m.blocks = append(m.blocks, slack.NewContextBlock("group", mrkdwn("Group: "+code(strings.Join(ls, ", ")))))
	}
	m.blocks = compact(m.blocks)
	m.reply = m.replyText(data.NotificationReason)
	return m, nil
}

// headline is ward's header: state, count and alert name.
func (m *message) headline() string {
	switch {
	case m.resolved && m.total == 1:
		return ":white_check_mark: RESOLVED: " + m.name
	case m.resolved:
		return fmt.Sprintf(":white_check_mark: RESOLVED (%d): %s", m.total, m.name)
	case m.total == 1:
		return severityEmoji(m.severity) + " FIRING: " + m.name
	case m.firing == m.total:
		return fmt.Sprintf("%s FIRING (%d): %s", severityEmoji(m.severity), m.total, m.name)
	}
	return fmt.Sprintf("%s FIRING (%d, %d resolved): %s", severityEmoji(m.severity), m.firing, m.total-m.firing, m.name)
}

// fallback is the plain notification text, in Alertmanager's familiar
// "[FIRING:n] name" shape.
func (m *message) fallback() string {
	s := fmt.Sprintf("[FIRING:%d] %s", m.firing, m.name)
	if m.resolved {
		s = "[RESOLVED] " + m.name
	}
	if m.summary != "" {
		s += " — " + m.summary
	}
	return escape(s)
}

// facts are the section fields: severity, times and key labels.
func (m *message) facts() []*slack.TextBlockObject {
	var fs []*slack.TextBlockObject
	if m.severity != "" {
		fs = append(fs, field("Severity", severityEmoji(m.severity)+" "+escape(m.severity)))
	}
	if !m.started.IsZero() {
		fs = append(fs, field("Started", date(m.started)))
	}
	if m.resolved && !m.ended.IsZero() {
		fs = append(fs, field("Resolved", date(m.ended)))
	}
	for _, p := range m.labels {
		fs = append(fs, field(escape(p.name), code(p.value)))
	}
	return fs[:min(len(fs), maxFields)]
}

// details is the summary and, for a group, one line per alert.
func (m *message) details() string {
	var b strings.Builder
	if m.summary != "" {
		b.WriteString("*" + escape(m.summary) + "*\n")
	}
	if m.description != "" {
		b.WriteString(escape(m.description) + "\n")
	}
	if m.total > 1 {
		for i, a := range m.alerts {
			if i == maxAlertLines {
				fmt.Fprintf(&b, "_…and %d more_\n", len(m.alerts)-i)
				break
			}
			b.WriteString(m.alertLine(a) + "\n")
		}
	}
	s, _ := notify.TruncateInRunes(strings.TrimSpace(b.String()), maxSectionRunes)
	return s
}

// alertLine is one alert of a group: what sets it apart, its own summary
// and runbook when they differ from the group's, and since when.
//
// An alert about a page of its own (link_url, as the error alerts'
// issues) is named by its summary, not by the labels that set it apart
// (an issue's raw id and a title the summary repeats): "New error in
// shop: KeyError — Open the issue".
func (m *message) alertLine(a template.Alert) string {
	id, sum := ident(a, m.common), a.Annotations["summary"]
	if sum != "" && sum != m.summary && webURL(a.Annotations["link_url"]) != "" {
		id, _ = notify.TruncateInRunes(sum, maxSummaryLine)
		sum = ""
	}
	line := "• " + severityEmoji(a.Labels["severity"]) + " " + escape(id)
	if a.Status != "firing" {
		line = "• :white_check_mark: ~" + escape(id) + "~"
	}
	if s := sum; s != "" && s != m.summary {
		s, _ = notify.TruncateInRunes(s, maxSummaryLine)
		line += " — " + escape(s)
	}
	if a.Status == "firing" {
		line += " · since " + date(a.StartsAt)
	} else {
		line += " · resolved " + date(a.EndsAt)
	}
	if rb := webURL(a.Annotations["runbook_url"]); rb != "" && rb != m.runbook {
		line += " · " + link(rb, "runbook")
	}
	if lu := webURL(a.Annotations["link_url"]); lu != "" && lu != m.link {
		line += " · " + link(lu, linkText(a.Annotations))
	}
	return line
}

// links go to the alerts' own page (link_url), the alerts in ward and
// the runbook.
func (m *message) links() []string {
	var ls []string
	if m.link != "" {
		ls = append(ls, link(m.link, ":link: "+m.linkText))
	}
	if m.wardURL != "" {
		ls = append(ls, link(m.wardURL, ":mag: View in ward"))
	}
	if m.runbook != "" {
		ls = append(ls, link(m.runbook, ":book: Runbook"))
	}
	return ls
}

// replyText is the thread reply posted when the original message is
// updated: the resolve notice, or what changed.
func (m *message) replyText(reason string) string {
	if m.resolved {
		s := ":white_check_mark: *Resolved*: " + escape(m.name)
		if m.total > 1 {
			s += fmt.Sprintf(" (all %d alerts)", m.total)
		}
		if !m.started.IsZero() && m.ended.After(m.started) {
			s += ", lasted " + model.Duration(m.ended.Sub(m.started).Round(time.Second)).String()
		}
		return s
	}
	s := fmt.Sprintf("%s *Update*: %d firing", severityEmoji(m.severity), m.firing)
	if r := m.total - m.firing; r > 0 {
		s += fmt.Sprintf(", %d resolved", r)
	}
	if reason != "" {
		s += " (" + escape(reason) + ")"
	}
	return s
}

// code shows outside text as inline code, which cannot itself contain a
// backtick.
func code(s string) string {
	return "`" + escape(strings.ReplaceAll(s, "`", "'")) + "`"
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// field is a section field: a bold name over its value.
func field(name, value string) *slack.TextBlockObject {
	s, _ := notify.TruncateInRunes("*"+name+"*\n"+value, maxFieldRunes)
	return mrkdwn(s)
}

// section is a section block, or nil when it would be empty (Slack rejects
// empty text).
func section(text string, fields ...*slack.TextBlockObject) slack.Block {
	if strings.TrimSpace(text) == "" && len(fields) == 0 {
		return nil
	}
	var t *slack.TextBlockObject
	if strings.TrimSpace(text) != "" {
		s, _ := notify.TruncateInRunes(text, maxSectionRunes)
		t = mrkdwn(s)
	}
	return slack.NewSectionBlock(t, fields, nil)
}

// compact drops the sections that section left out.
func compact(bs []slack.Block) []slack.Block {
	out := bs[:0]
	for _, b := range bs {
		if b != nil {
			out = append(out, b)
		}
	}
	return out
}
