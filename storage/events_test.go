package storage

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/events"
)

// eventAt is an event of kind at minute m after t0.
func eventAt(m int, kind events.Kind, subject string) events.Event {
	return events.Event{Time: t0.Add(time.Duration(m) * time.Minute), Kind: kind, Severity: events.SeverityInfo, Subject: subject,
		Text: fmt.Sprintf("%s at minute %d", subject, m), Labels: map[string]string{"job": "job-" + subject}}
}

func subjects(evs []events.Event) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Subject)
	}
	return strings.Join(out, ",")
}

func TestEventsAppendAndQuery(t *testing.T) {
	st := openTestState(t)
	var evs []events.Event
	for i, k := range []events.Kind{events.AlertFiring, events.TargetDown, events.AlertResolved, events.TargetUp, events.ConfigReloadFailed} {
		evs = append(evs, eventAt(i, k, fmt.Sprintf("e%d", i)))
	}
	// Out of time order on purpose: keys sort by time, not arrival.
	if err := st.AppendEvents(evs[2:], 100); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendEvents(evs[:2], 100); err != nil {
		t.Fatal(err)
	}
	all, err := st.Events(events.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got := subjects(all); got != "e4,e3,e2,e1,e0" {
		t.Fatalf("all = %s, want newest first", got)
	}
	if all[0].ID == "" || all[0].Labels["job"] != "job-e4" || !all[0].Time.Equal(t0.Add(4*time.Minute)) {
		t.Errorf("first = %+v", all[0])
	}
	for _, tc := range []struct {
		name string
		q    events.Query
		want string
	}{
		{"kinds", events.Query{Kinds: []events.Kind{events.TargetDown, events.TargetUp}}, "e3,e1"},
		{"from inclusive", events.Query{From: t0.Add(3 * time.Minute)}, "e4,e3"},
		{"to exclusive", events.Query{To: t0.Add(2 * time.Minute)}, "e1,e0"},
		{"range", events.Query{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)}, "e2,e1"},
		{"text in subject, any case", events.Query{Text: "E2"}, "e2"},
		{"text in text", events.Query{Text: "minute 3"}, "e3"},
		{"text in a label", events.Query{Text: "job-e0"}, "e0"},
		{"limit", events.Query{Limit: 2}, "e4,e3"},
		{"before", events.Query{Before: all[1].ID, Limit: 2}, "e2,e1"},
		{"before and kind", events.Query{Before: all[0].ID, Kinds: []events.Kind{events.AlertFiring}}, "e0"},
		{"nothing", events.Query{Text: "nope"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.Events(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if s := subjects(got); s != tc.want {
				t.Errorf("got %q, want %q", s, tc.want)
			}
		})
	}
	if _, err := st.Events(events.Query{Before: "zz"}); err == nil {
		t.Error("a malformed cursor was accepted")
	}
}

func TestEventsCapAndPrune(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ward.db")
	st := openKeyed(t, path)
	var evs []events.Event
	for i := range 10 {
		evs = append(evs, eventAt(i, events.CheckChanged, fmt.Sprintf("c%d", i)))
	}
	// Keep 6: the four oldest go.
	if err := st.AppendEvents(evs, 6); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Events(events.Query{})
	if s := subjects(got); s != "c9,c8,c7,c6,c5,c4" {
		t.Fatalf("after cap: %s", s)
	}
	// Prune what is older than minute 6: c4 and c5.
	n, err := st.PruneEvents(t0.Add(6 * time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("pruned %d, %v; want 2", n, err)
	}
	got, _ = st.Events(events.Query{})
	if s := subjects(got); s != "c9,c8,c7,c6" {
		t.Fatalf("after prune: %s", s)
	}
	// The count survives a restart and keeps the cap exact: 4 stored,
	// 3 more with keep 5 drop the two oldest.
	st.Close()
	st = openKeyed(t, path)
	if err := st.AppendEvents([]events.Event{eventAt(20, events.TargetUp, "x1"), eventAt(21, events.TargetUp, "x2"), eventAt(22, events.TargetUp, "x3")}, 5); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Events(events.Query{})
	if s := subjects(got); s != "x3,x2,x1,c9,c8" {
		t.Fatalf("after restart and cap: %s", s)
	}
	if n, err := st.PruneEvents(t0.Add(time.Hour)); err != nil || n != 5 {
		t.Fatalf("prune all: %d, %v", n, err)
	}
	if got, _ := st.Events(events.Query{}); len(got) != 0 {
		t.Fatalf("left: %s", subjects(got))
	}
}

// TestEventLimits: the Log bounds what it stores, whatever it is given.
func TestEventLimits(t *testing.T) {
	st := openTestState(t)
	log, err := events.NewLog(st, events.LogOptions{Keep: 3, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{}
	for i := range 20 {
		labels[fmt.Sprintf("l%02d", i)] = strings.Repeat("v", 1000)
	}
	log.Record(events.Event{Kind: events.TargetDown, Subject: strings.Repeat("s", 5000), Text: strings.Repeat("é", 5000), Labels: labels})
	got, err := st.Events(events.Query{})
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	e := got[0]
	if len(e.Subject) > events.MaxSubject || len(e.Text) > events.MaxText || len(e.Labels) != events.MaxLabels || len(e.Labels["l00"]) > events.MaxLabelValue {
		t.Errorf("not bounded: subject %d, text %d, labels %d", len(e.Subject), len(e.Text), len(e.Labels))
	}
	if !strings.HasSuffix(e.Text, "é…") || !e.Time.Equal(t0) {
		t.Errorf("text cut inside a rune or time unset: %q… %v", e.Text[len(e.Text)-8:], e.Time)
	}
	for i := range 5 {
		log.Record(eventAt(i, events.TargetUp, fmt.Sprint(i)))
	}
	if got, _ := st.Events(events.Query{}); len(got) != 3 {
		t.Errorf("kept %d, want the Log's 3", len(got))
	}
	if log.Recorded() != 6 {
		t.Errorf("Recorded = %d, want 6", log.Recorded())
	}
	if _, err := events.NewLog(st, events.LogOptions{Retention: time.Minute}); err == nil {
		t.Error("a 1m retention was accepted")
	}
}

// TestEventRetention: the Log prunes what is older than its retention,
// which a reload may change.
func TestEventRetention(t *testing.T) {
	st := openTestState(t)
	now := t0
	log, err := events.NewLog(st, events.LogOptions{Retention: 2 * time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, age := range []time.Duration{3 * time.Hour, 90 * time.Minute, time.Minute} {
		log.Record(events.Event{Time: now.Add(-age), Kind: events.TargetUp, Subject: age.String()})
	}
	if n, err := log.Prune(t.Context()); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want the 3h old one", n, err)
	}
	log.SetRetention(time.Hour)
	if n, err := log.Prune(t.Context()); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want the 1h30m old one", n, err)
	}
	got, _ := log.Query(t.Context(), events.Query{})
	if s := subjects(got); s != "1m0s" {
		t.Errorf("left %q", s)
	}
}

// BenchmarkEvents queries a full timeline (events.MaxStored events): the
// newest page, and a text search that matches nothing and so reads every
// event.
func BenchmarkEvents(b *testing.B) {
	st := openTestState(b)
	batch := make([]events.Event, 0, events.MaxBatch)
	for i := range events.MaxStored {
		e := eventAt(i, events.TargetDown, fmt.Sprintf("node-%d", i%500))
		e.Text = fmt.Sprintf("10.0.%d.%d:9100 (node) went down: Get \"http://10.0.%d.%d:9100/metrics\": dial tcp: connection refused", i%250, i%200, i%250, i%200)
		batch = append(batch, e)
		if len(batch) == cap(batch) {
			if err := st.AppendEvents(batch, events.MaxStored); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	for _, bc := range []struct {
		name string
		q    events.Query
	}{
		{"newest page", events.Query{Limit: 200}},
		{"kind page", events.Query{Kinds: []events.Kind{events.TargetDown}, Limit: 200}},
		{"text scan of all", events.Query{Text: "no such text", Limit: 200}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := st.Events(bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestEventsTextSearch: the search matches what the page shows, whatever
// JSON escapes and whatever the case, ASCII or not.
func TestEventsTextSearch(t *testing.T) {
	st := openTestState(t)
	evs := []events.Event{
		{Time: t0, Kind: events.TargetDown, Subject: "quote", Text: `Get "http://10.0.0.1:9100/metrics": refused`},
		{Time: t0.Add(time.Second), Kind: events.CheckChanged, Subject: "html", Text: "body <b>&amp; more"},
		{Time: t0.Add(2 * time.Second), Kind: events.AlertFiring, Subject: "accent", Text: "Échec de la sauvegarde"},
		{Time: t0.Add(3 * time.Second), Kind: events.AlertFiring, Subject: "label", Labels: map[string]string{"instance": "DB-1"}},
	}
	if err := st.AppendEvents(evs, 100); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		`"http://10.0.0.1`: "quote",
		`GET "HTTP`:        "quote",
		"<b>&amp;":         "html",
		"échec":            "accent",
		"ÉCHEC DE":         "accent",
		"db-1":             "label",
		"kind":             "", // a JSON key, not shown text
		"target_down":      "",
	} {
		got, err := st.Events(events.Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if s := subjects(got); s != want {
			t.Errorf("%q: got %q, want %q", q, s, want)
		}
	}
}
