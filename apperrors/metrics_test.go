package apperrors

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

func TestMetricLabelsBounded(t *testing.T) {
	f := newFixture(t)
	var evs []any
	for i := range MaxLabelReleases + 5 {
		evs = append(evs, with(msg("m"), "release", fmt.Sprintf("shop@%d", i), "environment", "production", "level", "error"))
	}
	evs = append(evs, with(msg("m"), "release", "shop@0", "environment", "production", "level", "loud"))
	f.ingest(t, "1", t0, evs...)
	if n := f.series(t, "ward_app_errors_total"); n != MaxLabelReleases+2 {
		t.Errorf("%d series, want %d releases, other, and the other level", n, MaxLabelReleases+2)
	}
	if v := f.metric(t, "ward_app_errors_total", "environment=production", "level=error", "project=shop", "release=other"); v != 5 {
		t.Errorf("release=other: %v, want 5", v)
	}
	if v := f.metric(t, "ward_app_errors_total", "environment=production", "level=other", "project=shop", "release=shop@0"); v != 1 {
		t.Errorf("level=other: %v, want 1", v)
	}
}

func TestRecentIssues(t *testing.T) {
	f := newFixture(t)
	var evs []any
	for i := range MaxRecentIssues + 10 {
		evs = append(evs, exc(fmt.Sprintf("E%d", i), "a very long value that goes on and on well past the eighty characters the label may hold", "a.m:f"))
	}
	f.ingest(t, "1", t0, evs...)
	if n := f.series(t, "ward_app_issue_recent"); n != MaxRecentIssues {
		t.Errorf("%d recent series, want the cap %d", n, MaxRecentIssues)
	}
	mfs, _ := f.reg.Gather()
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "title" && len([]rune(l.GetValue())) > maxRecentTitle {
					t.Errorf("title %q longer than %d", l.GetValue(), maxRecentTitle)
				}
			}
		}
	}
	f.svc.metrics.expireRecent(t0.Add(RecentFor - time.Second))
	if n := f.series(t, "ward_app_issue_recent"); n != MaxRecentIssues {
		t.Errorf("%d recent series before their time, want %d", n, MaxRecentIssues)
	}
	f.svc.metrics.expireRecent(t0.Add(RecentFor))
	if n := f.series(t, "ward_app_issue_recent"); n != 0 {
		t.Errorf("%d recent series after %v, want 0", n, RecentFor)
	}
	if v := f.metric(t, "ward_app_issues_new_total", "environment=production", "project=shop"); v != MaxRecentIssues+10 {
		t.Errorf("new issues %v", v)
	}
}

func TestProjectsDSN(t *testing.T) {
	f := newFixture(t)
	u, _ := url.Parse("https://ward.example:8443/mon/")
	f.svc.opts.ExternalURL = u
	got := f.svc.Projects()
	if len(got) != 2 || got[0].Name != "shop" || got[0].DSN != "https://k1@ward.example:8443/mon/1" {
		t.Errorf("projects %+v", got)
	}
}

// An issue's recent series, its alert, lasts while it stays unresolved:
// resolving or ignoring it ends it, a regression starts it again.
func TestRecentEndsOnResolveAndIgnore(t *testing.T) {
	f := newFixture(t)
	e := exc("ValueError", "x", "shop.views:checkout")
	f.ingest(t, "1", t0, e)
	id := f.issues(t, "")[0].ID
	f.svc.metrics.expireRecent(t0.Add(time.Hour))
	if f.series(t, "ward_app_issue_recent") != 1 {
		t.Fatal("the new issue's series went within the hour while unresolved")
	}
	if err := f.svc.SetStatus(context.Background(), id, StatusResolved, audit.Record{Actor: "ann"}); err != nil {
		t.Fatal(err)
	}
	if n := f.series(t, "ward_app_issue_recent"); n != 0 {
		t.Errorf("%d recent series after resolving, want 0", n)
	}
	f.ingest(t, "1", t0.Add(2*time.Hour), e)
	if f.metric(t, "ward_app_issue_recent", "environment=production", "issue="+id, "kind=regressed", "project=shop", "title=ValueError: x") != 1 {
		t.Fatal("no series for the regression")
	}
	if err := f.svc.SetStatus(context.Background(), id, StatusIgnored, audit.Record{Actor: "ann"}); err != nil {
		t.Fatal(err)
	}
	if n := f.series(t, "ward_app_issue_recent"); n != 0 {
		t.Errorf("%d recent series after ignoring, want 0", n)
	}
}
