package evidencepack

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/compliance"
)

// reportData is what report.html shows.
type reportData struct {
	In      Input
	Rows    []ControlRow
	Summary Summary
}

//go:embed report.html.tmpl
var reportText string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"whenp": func(t *time.Time) string {
		if t == nil {
			return "none"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join":   strings.Join,
	"plural": plural,
	"hint":   hintHTML,
	"count": func(c Counts, s string) int {
		return c.ByStatus[compliance.Status(s)]
	},
	"statusClass": func(s compliance.Status) string {
		switch {
		case s.Failing():
			return "bad"
		case s == compliance.Warn:
			return "warn"
		case s == compliance.Pass:
			return "good"
		}
		return "other"
	},
}).Parse(reportText))

// plural is "1 one" or "n many".
func plural(n any, one, many string) string {
	s := fmt.Sprint(n)
	if s == "1" {
		return "1 " + one
	}
	return s + " " + many
}

// hintHTML is a control's Detail as HTML (compliance.HintParts): code as
// code; a link to ward's page or documentation made absolute under
// instance (ward's external URL), or, without one, its text and path, as
// the report is read away from ward.
func hintHTML(instance, hint string) template.HTML {
	var b strings.Builder
	base := strings.TrimRight(instance, "/")
	for _, p := range compliance.HintParts(hint) {
		switch {
		case p.Code:
			b.WriteString("<code>" + template.HTMLEscapeString(p.Text) + "</code>")
		case p.Href != "" && strings.HasPrefix(base, "http"):
			fmt.Fprintf(&b, `<a href="%s">%s</a>`, template.HTMLEscapeString(base+p.Href), template.HTMLEscapeString(p.Text))
		case p.Href != "" && p.Href != p.Text:
			b.WriteString(template.HTMLEscapeString(p.Text) + " (<code>" + template.HTMLEscapeString(p.Href) + "</code>)")
		default:
			b.WriteString(template.HTMLEscapeString(p.Text))
		}
	}
	return template.HTML(b.String()) // every piece escaped above
}

// writeReport writes report.html: one self-contained page (its style
// inline, no scripts, no outside resources) that reads offline and
// prints.
func writeReport(w io.Writer, d reportData) error {
	return reportTemplate.Execute(w, d)
}
