package ui

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
	"github.com/ward-monitoring/ward/events"
)

var (
	eventRowRE = regexp.MustCompile(`<tr><td data-label="Time">`)
	olderRE    = regexp.MustCompile(`<a href="(/events\?[^"]+)">Older events</a>`)
)

// recordEvents records n events a second apart, ending a minute ago:
// target_down for even i, alert_firing for odd, subject "s<i>".
func recordEvents(tb testing.TB, s *Server, n int) time.Time {
	tb.Helper()
	log := s.deps.Events.(*events.Log)
	start := time.Now().Add(-time.Minute - time.Duration(n)*time.Second).UTC().Truncate(time.Second)
	var evs []events.Event
	for i := range n {
		k := events.TargetDown
		if i%2 == 1 {
			k = events.AlertFiring
		}
		evs = append(evs, events.Event{Time: start.Add(time.Duration(i) * time.Second), Kind: k, Severity: events.SeverityCritical,
			Subject: fmt.Sprintf("s%d", i), Text: fmt.Sprintf("thing %d happened", i), Labels: map[string]string{"job": "node"}})
	}
	for len(evs) > 0 {
		b := evs[:min(len(evs), events.MaxBatch)]
		log.Record(b...)
		evs = evs[len(b):]
	}
	return start
}

func TestEventsPage(t *testing.T) {
	s, base := startServer(t, discardLogger())
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	recordEvents(t, s, 450)

	// Pages of 200, newest first, each linking to the next.
	var subjects []string
	next := "/events"
	for page := 1; next != ""; page++ {
		resp, body := doAs(t, "GET", base+next, "", viewer)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: %d %s", page, resp.StatusCode, body)
		}
		if !strings.Contains(body, `<main id="main" data-live="`) {
			t.Errorf("page %d: <main> lacks data-live", page)
		}
		rows := len(eventRowRE.FindAllString(body, -1))
		want := map[int]int{1: 200, 2: 200, 3: 50}[page]
		if rows != want {
			t.Fatalf("page %d: %d rows, want %d", page, rows, want)
		}
		for _, m := range regexp.MustCompile(`<td data-label="Subject">(s\d+)</td>`).FindAllStringSubmatch(body, -1) {
			subjects = append(subjects, m[1])
		}
		next = ""
		if m := olderRE.FindStringSubmatch(body); m != nil {
			next = html.UnescapeString(m[1])
		}
		if page == 1 && (!strings.Contains(body, " UTC</time>") || !strings.Contains(body, "m ago")) {
			t.Errorf("times lack their zone or relative age")
		}
	}
	if len(subjects) != 450 || subjects[0] != "s449" || subjects[449] != "s0" {
		t.Errorf("%d subjects, first %v last %v", len(subjects), subjects[:1], subjects[len(subjects)-1:])
	}

	for _, tc := range []struct {
		name, query string
		status      int
		want        []string
		rows        int
	}{
		{"kind", "kind=alert_firing&q=s44", http.StatusOK, []string{"s449", "s447", "s441"}, 5}, // s441, s443 ... s449
		{"text", "q=THING+448", http.StatusOK, []string{"s448"}, 1},
		{"label text", "q=node&kind=target_down", http.StatusOK, nil, 200},
		{"nothing", "q=nothing-like-this", http.StatusOK, []string{"No events match."}, 0},
		{"future", "from=2099-01-01T00:00", http.StatusOK, []string{"No events match."}, 0},
		{"bad from", "from=yesterday", http.StatusBadRequest, []string{"From: want a UTC date and time"}, 0},
		{"bad to", "to=2026-13-01T00:00", http.StatusBadRequest, []string{"To: want a UTC date and time"}, 0},
		{"bad kind", "kind=reboot", http.StatusBadRequest, []string{"Kind: unknown kind &#34;reboot&#34;"}, 0},
		{"viewer asks for user actions", "kind=user_action", http.StatusBadRequest, []string{"unknown kind"}, 0},
		{"long text", "q=" + strings.Repeat("x", 201), http.StatusBadRequest, []string{"Q: at most 200 characters"}, 0},
		{"bad cursor", "before=zz", http.StatusBadRequest, []string{"Before: not an event id"}, 0},
		{"too many kinds", strings.Repeat("kind=target_up&", 17), http.StatusBadRequest, []string{"Kind: at most 16 kinds"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := doAs(t, "GET", base+"/events?"+tc.query, "", viewer)
			if resp.StatusCode != tc.status {
				t.Fatalf("%d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if rows := len(eventRowRE.FindAllString(body, -1)); rows != tc.rows {
				t.Errorf("%d rows, want %d", rows, tc.rows)
			}
		})
	}

	t.Run("export", func(t *testing.T) {
		resp, body := doAs(t, "GET", base+"/events/export?format=csv&kind=target_down&q=s44", "", viewer)
		lines := strings.Split(strings.TrimSpace(body), "\n")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || len(lines) != 7 || // s440 ... s448, s44
			!strings.HasSuffix(lines[1], ",target_down,critical,s448,thing 448 happened,job=node") {
			t.Errorf("CSV: %d %v\n%s", resp.StatusCode, resp.Header, body)
		}
		// Every event, past the page size, within the export's cap.
		resp, body = doAs(t, "GET", base+"/events/export?format=json", "", viewer)
		if resp.StatusCode != http.StatusOK || strings.Count(body, `"kind":`) != 450 {
			t.Errorf("JSON: %d, %d events", resp.StatusCode, strings.Count(body, `"kind":`))
		}
		resp, body = doAs(t, "GET", base+"/events/export?format=xml", "", viewer)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Format: want csv or json") {
			t.Errorf("format=xml: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("audit trail for admins", func(t *testing.T) {
		admin := signIn(t, s, "ann", auth.RoleAdmin)
		if err := s.deps.Audit.AppendAudit(audit.Record{Time: time.Now(), Actor: "ann", Action: audit.ActionSilenceCreate, Target: "abc123", Outcome: audit.Success,
			Details: map[string]string{"matchers": `alertname="NodeDown"`}}); err != nil {
			t.Fatal(err)
		}
		// Viewers are not offered it; asking is ignored.
		_, body := doAs(t, "GET", base+"/events?audit=1", "", viewer)
		if strings.Contains(body, "silence.create") || strings.Contains(body, `name="audit"`) {
			t.Error("a viewer was shown the audit trail")
		}
		_, body = doAs(t, "GET", base+"/events", "", admin)
		if !strings.Contains(body, `name="audit"`) || strings.Contains(body, "silence.create") {
			t.Error("admins: the audit trail must be offered, not merged unasked")
		}
		_, body = doAs(t, "GET", base+"/events?audit=1&q=NodeDown", "", admin)
		if !strings.Contains(body, "ann: silence.create abc123") || len(eventRowRE.FindAllString(body, -1)) != 1 {
			t.Errorf("merged audit trail, filtered by text:\n%s", body)
		}
		// Reading it was audited, and only when it was read.
		recs, err := s.deps.AuditLog.Records(context.Background(), "test", "", audit.Query{Action: audit.ActionAuditView, Actor: "ann"})
		if err != nil || len(recs) != 1 || recs[0].Details["actions"] == "" {
			t.Errorf("audit views recorded: %+v, %v", recs, err)
		}
	})

	t.Run("recent events for the overview", func(t *testing.T) {
		evs := s.recentEvents(context.Background(), 20)
		if len(evs) != 20 || evs[0].Subject != "s449" {
			t.Fatalf("recentEvents: %d", len(evs))
		}
		var b strings.Builder
		if err := eventList(evs, time.Now()).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if strings.Count(b.String(), "<li>") != 20 || !strings.Contains(b.String(), `href="/events"`) {
			t.Errorf("eventList:\n%s", b.String())
		}
	})
}

// FuzzParseEvents: any query string is either read or refused as a bad
// request naming a field; never a panic or another kind of error.
func FuzzParseEvents(f *testing.F) {
	for _, seed := range []string{
		"", "kind=target_down&kind=user_action&q=db&from=2026-01-01T00:00&to=2026-02-01T00:00&audit=1",
		"before=00000000000000000000000000000000", "from=2026-01-01T00:00:00Z", "kind=%ff", "q=%22%5C",
	} {
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, query string, canAudit bool) {
		r, err := http.NewRequest("GET", "/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.URL.RawQuery = query
		fl, v, err := parseEvents(r, canAudit)
		if err != nil {
			if k, msg := errkind.Of(err); k != errkind.Malformed || !strings.Contains(msg, ":") {
				t.Fatalf("%q: %v (%v)", query, err, k)
			}
			return
		}
		if len(fl.q.Text) > events.MaxQueryText || len(fl.q.Kinds) > eventsMaxKinds || (fl.audit && !canAudit) {
			t.Fatalf("%q: accepted %+v", query, fl)
		}
		if _, err := url.ParseQuery(v.Filters); err != nil {
			t.Fatalf("%q: filters %q: %v", query, v.Filters, err)
		}
	})
}

// BenchmarkEventsPage serves /events (a page of 200 of 5,000 events)
// through the whole server, sign-in check included.
func BenchmarkEventsPage(b *testing.B) {
	s, base := startServer(b, discardLogger())
	cookie := signIn(b, s, "bench", auth.RoleViewer)
	recordEvents(b, s, 5000)
	for b.Loop() {
		resp, _ := doAs(b, "GET", base+"/events", "", cookie)
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.StatusCode)
		}
	}
}

// TestEventsPageAuditPaging: user actions alone page by time.
func TestEventsPageAuditPaging(t *testing.T) {
	s, base := startServer(t, discardLogger())
	// The audit trail is in time order, as ward appends it.
	start := time.Now().Add(-time.Hour)
	for i := range 250 {
		if err := s.deps.Audit.AppendAudit(audit.Record{Time: start.Add(time.Duration(i) * time.Second), Actor: "adm", Action: audit.ActionSilenceExpire,
			Target: fmt.Sprintf("sil-%03d", i), Outcome: audit.Success}); err != nil {
			t.Fatal(err)
		}
	}
	admin := signIn(t, s, "adm", auth.RoleAdmin) // one user.create
	seen := map[string]bool{}
	next, pages := "/events?kind=user_action&audit=1", 0
	for next != "" {
		pages++
		resp, body := doAs(t, "GET", base+next, "", admin)
		if resp.StatusCode != http.StatusOK || pages > 3 {
			t.Fatalf("page %d: %d", pages, resp.StatusCode)
		}
		for _, m := range regexp.MustCompile(`silence\.expire (sil-\d+)|user\.create adm`).FindAllStringSubmatch(body, -1) {
			if seen[m[0]] {
				t.Errorf("page %d repeats %s", pages, m[0])
			}
			seen[m[0]] = true
		}
		next = ""
		if m := olderRE.FindStringSubmatch(body); m != nil {
			next = html.UnescapeString(m[1])
		}
	}
	if pages != 2 || len(seen) != 251 {
		var missing []string
		for i := range 250 {
			if k := fmt.Sprintf("silence.expire sil-%03d", i); !seen[k] {
				missing = append(missing, k)
			}
		}
		t.Errorf("%d pages, %d entries; want 2 and 251; missing %v (user.create %v)", pages, len(seen), missing, seen["user.create adm"])
	}
}
