package audit

import (
	"slices"
	"strings"
	"time"
)

// Query selects records. Zero fields match everything.
type Query struct {
	Actor  string
	Action string
	// Actions, when set, selects only records with one of these actions.
	Actions []string
	Outcome Outcome
	// Target, when set, selects only records about that target.
	Target string
	// Since is inclusive, Until exclusive.
	Since, Until time.Time
	// AfterSeq and BeforeSeq, when set, select only records numbered
	// above and below them: the audit trail API's cursors (issue 14).
	AfterSeq, BeforeSeq uint64
	// Limit caps the number of records returned, newest first; 0 means
	// no cap.
	Limit int
}

// Match reports whether r is selected by q.
func (q Query) Match(r Record) bool {
	switch {
	case q.Actor != "" && r.Actor != q.Actor:
		return false
	case q.Action != "" && r.Action != q.Action:
		return false
	case len(q.Actions) > 0 && !slices.Contains(q.Actions, r.Action):
		return false
	case q.Outcome != "" && r.Outcome != q.Outcome:
		return false
	case q.Target != "" && r.Target != q.Target:
		return false
	case q.AfterSeq != 0 && r.Seq <= q.AfterSeq, q.BeforeSeq != 0 && r.Seq >= q.BeforeSeq:
		return false
	case !q.Since.IsZero() && r.Time.Before(q.Since):
		return false
	case !q.Until.IsZero() && !r.Time.Before(q.Until):
		return false
	}
	return true
}

// Details describes q for the audit record of a view or export.
func (q Query) Details() map[string]string {
	d := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			d[k] = v
		}
	}
	set("actor", q.Actor)
	set("action", q.Action)
	set("actions", strings.Join(q.Actions, ","))
	set("outcome", string(q.Outcome))
	set("target", q.Target)
	if !q.Since.IsZero() {
		d["since"] = q.Since.UTC().Format(time.RFC3339)
	}
	if !q.Until.IsZero() {
		d["until"] = q.Until.UTC().Format(time.RFC3339)
	}
	return d
}
