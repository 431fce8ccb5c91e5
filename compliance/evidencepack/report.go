package evidencepack

import (
	_ "embed"
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
	"join": strings.Join,
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

// writeReport writes report.html: one self-contained page (its style
// inline, no scripts, no outside resources) that reads offline and
// prints.
func writeReport(w io.Writer, d reportData) error {
	return reportTemplate.Execute(w, d)
}
