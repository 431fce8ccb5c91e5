package events

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// Query bounds.
const (
	// MaxPage is the most events one query returns.
	MaxPage = 10_000
	// MaxQueryText bounds the free-text filter.
	MaxQueryText = 200
)

// Query selects events. Zero fields match everything.
type Query struct {
	// From is inclusive, To exclusive.
	From, To time.Time
	// Kinds, when set, selects only these kinds.
	Kinds []Kind
	// Text selects events whose subject, text or a label value contains
	// it, ignoring case.
	Text string
	// Before continues a listing: only events stored before the one
	// with this ID.
	Before string
	// Limit caps the events returned, newest first: 0 or more than
	// MaxPage means MaxPage.
	Limit int
}

// Match reports whether e is selected by q's kinds, times and text (not
// Before and Limit, which the store applies).
func (q Query) Match(e Event) bool {
	switch {
	case len(q.Kinds) > 0 && !slices.Contains(q.Kinds, e.Kind):
		return false
	case !q.From.IsZero() && e.Time.Before(q.From):
		return false
	case !q.To.IsZero() && !e.Time.Before(q.To):
		return false
	}
	if q.Text == "" {
		return true
	}
	t := strings.ToLower(q.Text)
	if strings.Contains(strings.ToLower(e.Subject), t) || strings.Contains(strings.ToLower(e.Text), t) {
		return true
	}
	for _, v := range e.Labels {
		if strings.Contains(strings.ToLower(v), t) {
			return true
		}
	}
	return false
}

// limit is the number of events q may return.
func (q Query) limit() int {
	if q.Limit <= 0 || q.Limit > MaxPage {
		return MaxPage
	}
	return q.Limit
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
