package evidencepack

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/storage"
)

// Counts are a control's evidence within the pack's window.
type Counts struct {
	Total    int                       `json:"total"`
	ByStatus map[compliance.Status]int `json:"by_status,omitempty"`
	First    *time.Time                `json:"first,omitempty"`
	Last     *time.Time                `json:"last,omitempty"`
}

// controlStats is what the evidence pass learns of one control.
type controlStats struct {
	Counts
	latest *compliance.Evidence
}

// ControlRow is one control of controls.json and controls.csv: the
// control, its status when the pack was made, the newest evidence and
// the window's counts.
type ControlRow struct {
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Requirement string            `json:"requirement,omitempty"`
	Labels      []string          `json:"labels,omitempty"`
	Manual      bool              `json:"manual,omitempty"`
	Interval    string            `json:"interval,omitempty"`
	Status      compliance.Status `json:"status"`
	Failing     bool              `json:"failing"`
	// JudgedBy says who decided Status: "checker" (ward's compliance
	// checker) or "pack" (from the newest evidence and the interval, or
	// the attestation).
	JudgedBy    string                  `json:"judged_by"`
	Latest      *compliance.Evidence    `json:"latest,omitempty"`
	Evidence    Counts                  `json:"evidence"`
	Attestation *compliance.Attestation `json:"attestation,omitempty"`
}

// decodeEvidence reads one stored record; the key's control and time
// stand in for fields the JSON lacks.
func decodeEvidence(rec storage.EvidenceRecord) (compliance.Evidence, error) {
	var e compliance.Evidence
	if err := json.Unmarshal(rec.JSON, &e); err != nil {
		return e, fmt.Errorf("evidence of %s at %s: %w", rec.Control, rec.At.Format(time.RFC3339Nano), err)
	}
	if e.Control == "" {
		e.Control = rec.Control
	}
	if e.Checked.IsZero() {
		e.Checked = rec.At
	}
	e.Checked = e.Checked.UTC()
	return e, nil
}

// writeEvidenceJSON writes the window's evidence as a JSON array, one
// record a line, and counts it by control.
func writeEvidenceJSON(w io.Writer, in Input) (map[string]*controlStats, int, error) {
	stats := map[string]*controlStats{}
	n := 0
	if _, err := io.WriteString(w, "["); err != nil {
		return nil, 0, err
	}
	err := in.Store.EvidenceRange("", in.From, in.Generated, func(rec storage.EvidenceRecord) error {
		e, err := decodeEvidence(rec)
		if err != nil {
			return err
		}
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		sep := ",\n"
		if n == 0 {
			sep = "\n"
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		n++
		st := stats[rec.Control]
		if st == nil {
			st = &controlStats{Counts: Counts{ByStatus: map[compliance.Status]int{}}}
			stats[rec.Control] = st
		}
		st.Total++
		st.ByStatus[e.Status]++
		at := e.Checked
		if st.First == nil {
			st.First = &at
		}
		st.Last, st.latest = &at, &e
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	_, err = io.WriteString(w, "\n]\n")
	return stats, n, err
}

var evidenceCSVHeader = []string{"control", "checked", "status", "value", "threshold", "detail", "sources", "audit_seq", "audit_head"}

// writeEvidenceCSV writes the window's evidence as CSV and says how
// many records it wrote.
func writeEvidenceCSV(w io.Writer, in Input) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(evidenceCSVHeader); err != nil {
		return 0, err
	}
	n := 0
	row := make([]string, len(evidenceCSVHeader))
	err := in.Store.EvidenceRange("", in.From, in.Generated, func(rec storage.EvidenceRecord) error {
		e, err := decodeEvidence(rec)
		if err != nil {
			return err
		}
		row[0], row[1], row[2] = e.Control, e.Checked.Format(time.RFC3339), string(e.Status)
		row[3], row[4], row[5] = e.Value, e.Threshold, e.Detail
		row[6], row[7], row[8] = sourcesText(e.Sources), strconv.FormatUint(e.AuditSeq, 10), e.AuditHead
		defuseRow(row)
		n++
		return cw.Write(row)
	})
	if err != nil {
		return 0, err
	}
	cw.Flush()
	return n, cw.Error()
}

func sourcesText(src []compliance.Source) string {
	parts := make([]string, len(src))
	for i, s := range src {
		parts[i] = s.Kind + ":" + s.Ref
	}
	return strings.Join(parts, "; ")
}

// checklist is the pack's controls: in's, then any others that have
// evidence or an attestation, by id.
func checklist(in Input, stats map[string]*controlStats) ([]ControlRow, error) {
	atts, err := in.Store.Attestations()
	if err != nil {
		return nil, err
	}
	controls := slices.Clone(in.Controls)
	listed := map[string]bool{}
	for _, c := range controls {
		listed[c.ID] = true
	}
	var extra []string
	for id := range stats {
		if !listed[id] {
			extra = append(extra, id)
			listed[id] = true
		}
	}
	for id := range atts {
		if !listed[id] {
			extra = append(extra, id)
			listed[id] = true
		}
	}
	slices.Sort(extra)
	for _, id := range extra {
		_, attested := atts[id]
		controls = append(controls, compliance.Control{ID: id, Title: id, Manual: attested && stats[id] == nil})
	}
	rows := make([]ControlRow, 0, len(controls))
	for _, c := range controls {
		row := ControlRow{ID: c.ID, Title: c.Title, Requirement: c.Requirement, Labels: c.Labels, Manual: c.Manual}
		if c.Interval > 0 {
			row.Interval = c.Interval.String()
		}
		if st := stats[c.ID]; st != nil {
			row.Evidence, row.Latest = st.Counts, st.latest
		}
		if js, ok := atts[c.ID]; ok {
			var a compliance.Attestation
			if err := json.Unmarshal(js, &a); err != nil {
				return nil, fmt.Errorf("attestation of %s: %w", c.ID, err)
			}
			row.Attestation = &a
		}
		row.Status, row.JudgedBy = judge(c, row, in)
		row.Failing = row.Status.Failing()
		rows = append(rows, row)
	}
	return rows, nil
}

// judge is a control's status: the checker's, if given; else that of
// its valid attestation (manual controls) or of its newest evidence,
// stale past its interval or when there is none.
func judge(c compliance.Control, row ControlRow, in Input) (compliance.Status, string) {
	if s, ok := in.Statuses[c.ID]; ok {
		return s, "checker"
	}
	if c.Manual {
		switch a := row.Attestation; {
		case a == nil:
			return compliance.Fail, "pack"
		case !a.Expires.After(in.Generated):
			return compliance.Stale, "pack"
		}
		return compliance.Pass, "pack"
	}
	e := row.Latest
	if e == nil || c.Interval > 0 && in.Generated.Sub(e.Checked) > c.Interval {
		return compliance.Stale, "pack"
	}
	return e.Status, "pack"
}

var controlsCSVHeader = []string{"id", "title", "requirement", "labels", "manual", "interval", "status", "failing", "judged_by",
	"value", "threshold", "checked", "detail", "evidence", "pass", "fail", "warn", "stale", "attested_by", "attested_at", "attestation_expires", "attestation_comment"}

func writeControlsCSV(w io.Writer, rows []ControlRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(controlsCSVHeader); err != nil {
		return err
	}
	for _, r := range rows {
		var value, threshold, checked, detail string
		if e := r.Latest; e != nil {
			value, threshold, checked, detail = e.Value, e.Threshold, e.Checked.Format(time.RFC3339), e.Detail
		}
		var by, at, expires, comment string
		if a := r.Attestation; a != nil {
			by, at, expires, comment = a.By, a.At.UTC().Format(time.RFC3339), a.Expires.UTC().Format(time.RFC3339), a.Comment
		}
		count := func(s compliance.Status) string { return strconv.Itoa(r.Evidence.ByStatus[s]) }
		row := []string{r.ID, r.Title, r.Requirement, strings.Join(r.Labels, "; "), strconv.FormatBool(r.Manual), r.Interval,
			string(r.Status), strconv.FormatBool(r.Failing), r.JudgedBy, value, threshold, checked, detail,
			strconv.Itoa(r.Evidence.Total), count(compliance.Pass), count(compliance.Fail), count(compliance.Warn), count(compliance.Stale),
			by, at, expires, comment}
		defuseRow(row)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuseRow keeps a spreadsheet from running a cell as a formula:
// values can come from outside (endpoint names, comments).
func defuseRow(row []string) {
	for i, s := range row {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			row[i] = "'" + s
		}
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeAuditHead writes the audit chain's head and its verification.
func writeAuditHead(w io.Writer, in Input) error {
	res := in.Audit
	fmt.Fprintf(w, "ward audit chain at %s\n\n", in.Generated.Format(time.RFC3339))
	if in.AuditErr != "" {
		fmt.Fprintf(w, "verified: no (%s)\n", in.AuditErr)
		return nil
	}
	fmt.Fprintf(w, "verified: %s\nvalid: %t\nrecords: %d (#%d to #%d)\nhead: %s\n",
		res.CheckedAt.UTC().Format(time.RFC3339), res.Valid, res.Records, res.First, res.Last, res.Head)
	if !res.Valid {
		fmt.Fprintf(w, "first bad record: #%d: %s\n", res.FirstBad, res.Problem)
	}
	_, err := fmt.Fprintf(w, "result: %s\n\nKeep the head outside this host. Whoever holds ward's database and\nsecret key could re-seal a rewritten chain, but not make it match a\nhead copied elsewhere. Check it later with:\n\n    ward audit verify --anchor %s\n", res, res.Head)
	return err
}
