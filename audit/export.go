package audit

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// csvHeader names the columns of a CSV export.
var csvHeader = []string{"seq", "time", "actor", "actor_ip", "action", "target", "outcome", "details", "prev", "hash"}

// WriteCSV writes records as CSV with a header row. Details are key=value
// pairs sorted by key and joined with "; ". Cells that a spreadsheet would
// run as a formula are prefixed with a quote, since actors and targets
// can be attacker-chosen (a login attempt's username).
func WriteCSV(w io.Writer, recs []Record) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, r := range recs {
		keys := make([]string, 0, len(r.Details))
		for k := range r.Details {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		pairs := make([]string, len(keys))
		for i, k := range keys {
			pairs[i] = k + "=" + r.Details[k]
		}
		row := []string{
			fmt.Sprint(r.Seq), r.Time.UTC().Format(time.RFC3339Nano),
			r.Actor, r.ActorIP, r.Action, r.Target, string(r.Outcome),
			strings.Join(pairs, "; "), hex.EncodeToString(r.Prev), hex.EncodeToString(r.Hash),
		}
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

// defuse keeps a spreadsheet from treating a cell as a formula.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteJSON writes records as a JSON array in their stored encoding, so an
// export can be verified again outside ward.
func WriteJSON(w io.Writer, recs []Record) error {
	if recs == nil {
		recs = []Record{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(recs)
}
