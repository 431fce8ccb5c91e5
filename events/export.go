package events

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"time"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

var csvHeader = []string{"time", "kind", "severity", "subject", "text", "labels"}

// WriteCSV writes evs as CSV with a header row. Labels are name=value
// pairs sorted by name and joined with "; ". Cells a spreadsheet would
// run as a formula are prefixed with a quote: alert labels and error
// texts come from outside.
func WriteCSV(w io.Writer, evs []Event) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, e := range evs {
		row := []string{e.Time.UTC().Format(time.RFC3339), string(e.Kind), string(e.Severity), e.Subject, e.Text, LabelsText(e.Labels)}
		for i := range row {
			row[i] = defuse(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes evs as a JSON array.
func WriteJSON(w io.Writer, evs []Event) error {
	if evs == nil {
		evs = []Event{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(evs)
}

// LabelsText renders labels as name=value pairs sorted by name.
func LabelsText(ls map[string]string) string {
	var b strings.Builder
	for i, k := range sortedKeys(ls) {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k + "=" + ls[k])
	}
	return b.String()
}

func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
