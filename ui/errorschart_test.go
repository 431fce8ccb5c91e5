package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// TestErrorIssueChartAxes: the chart opens on 24 hours for an issue
// first seen less than two days ago and on 14 days otherwise, ?range=
// overrides, the tabs and sample links keep a range that is not the
// default; the axes name the first and last slot and the peak, for the
// eye (aria-hidden) and in the caption.
func TestErrorIssueChartAxes(t *testing.T) {
	now := time.Now()
	mem := newMemErrors(now, 2)
	mem.issues[1].FirstSeen = now.Add(-72 * time.Hour) // iss0000 stays 90 minutes old
	s, base := startErrorsServer(t, mem)
	viewer := signIn(t, s, "victor", auth.RoleViewer)

	hourStart, _ := chartWindow("24h", now)
	dayStart, _ := chartWindow("14d", now)
	hourly := newIssueChart(mem.counts["iss0000"], "24h", hourStart)
	for _, tc := range []struct {
		path, want string
		links      []string
	}{
		{"/errors/issues/iss0000", "Events in the last 24 hours", []string{`href="/errors/issues/iss0000" aria-current="page">24 hours`, `href="/errors/issues/iss0000?range=14d">14 days`, `href="/errors/issues/iss0000?event=iss0000-ev1"`}},
		{"/errors/issues/iss0000?range=14d", "Events in the last 14 days", []string{`href="/errors/issues/iss0000?range=14d" aria-current="page">14 days`, `href="/errors/issues/iss0000?range=14d&amp;event=iss0000-ev1"`}},
		{"/errors/issues/iss0001", "Events in the last 14 days", []string{`href="/errors/issues/iss0001" aria-current="page">14 days`, `href="/errors/issues/iss0001?range=24h">24 hours`}},
		{"/errors/issues/iss0001?range=24h", "Events in the last 24 hours", []string{`href="/errors/issues/iss0001?range=24h&amp;event=iss0001-ev1"`}},
	} {
		resp, body := doAs(t, "GET", base+tc.path, "", viewer)
		if resp.StatusCode != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want %q", tc.path, resp.StatusCode, tc.want)
		}
		for _, l := range tc.links {
			if !strings.Contains(body, l) {
				t.Errorf("%s lacks %s", tc.path, l)
			}
		}
	}

	_, body := doAs(t, "GET", base+"/errors/issues/iss0000", "", viewer)
	start, end := hourStart.UTC().Format("Jan 2 15:00")+" UTC", hourStart.Add(23*time.Hour).UTC().Format("Jan 2 15:00")+" UTC"
	if hourly.Peak < 2 {
		t.Fatalf("the fake's peak is %d; the test needs a peak above 1", hourly.Peak)
	}
	peak := hourly.axisMax()
	for _, want := range []string{
		`<div class="chart-y" aria-hidden="true"><span>` + peak + `</span><span>0</span></div>`,
		`<div class="chart-x" aria-hidden="true"><span>` + start + `</span><span>` + end + `</span></div>`,
		"at most " + peak + " in one hour; the first bar is " + start + ", the last " + end,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("24h chart lacks %s", want)
		}
	}
	_, body = doAs(t, "GET", base+"/errors/issues/iss0001", "", viewer)
	if want := `<span>` + dayStart.Format("Mon Jan 2") + `</span><span>` + dayStart.Add(13*24*time.Hour).Format("Mon Jan 2") + `</span>`; !strings.Contains(body, want) {
		t.Errorf("14d chart's time axis: want %s", want)
	}
	for _, tc := range []struct {
		age  time.Duration
		want string
	}{{0, "24h"}, {47 * time.Hour, "24h"}, {48 * time.Hour, "14d"}, {400 * 24 * time.Hour, "14d"}} {
		if got := defaultRange(now.Add(-tc.age), now); got != tc.want {
			t.Errorf("first seen %s ago: range %s, want %s", tc.age, got, tc.want)
		}
	}
}
