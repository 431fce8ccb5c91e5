package apperrors

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ward-monitoring/ward/audit"
)

// Past its bound a project's new kinds of error go to one overflow
// issue, counted; releases keep the newest; the list reads the index.
func TestProjectIssueAndReleaseBounds(t *testing.T) {
	f := newFixture(t)
	f.svc.maxIssues, f.svc.maxReleases = 5, 3
	for i := range 8 {
		e := with(exc("ValueError", "x", "shop.views:checkout"), "fingerprint", []any{fmt.Sprint("f", i)}, "release", fmt.Sprint("shop@", i))
		f.ingest(t, "1", t0.Add(time.Duration(i)*time.Minute), e, e)
	}
	// Another project is not affected by the first's bound.
	f.ingest(t, "2", t0, msg("other project"))
	all := f.issues(t, "")
	var overflow *Issue
	n1 := 0
	for i := range all {
		if all[i].Project == "1" {
			n1++
		}
		if all[i].Title == OverflowTitle {
			overflow = &all[i]
		}
	}
	if n1 != 6 || overflow == nil || overflow.Count != 6 {
		t.Fatalf("project 1 has %d issues (want 5 and the overflow), overflow %+v (want 6 events)", n1, overflow)
	}
	if got := testutil.ToFloat64(f.svc.metrics.overflow.WithLabelValues("shop")); got != 6 {
		t.Errorf("overflow metric %v, want 6", got)
	}
	// Most recently seen first, the overflow (last seen at 7 min) first.
	if all[0].ID != overflow.ID || len(all) != 7 {
		t.Errorf("list order: first %q of %d, want the overflow of 7", all[0].Title, len(all))
	}
	is, err := f.svc.Issues(context.Background(), IssueFilter{Project: "1", Limit: 2})
	if err != nil || len(is) != 2 || is[1].LastSeen.After(is[0].LastSeen) {
		t.Errorf("limited list: %d issues, %v", len(is), err)
	}
	rs, err := f.svc.Releases(context.Background(), "1")
	if err != nil || len(rs) != 3 || rs[0].Version != "shop@7" || rs[2].Version != "shop@5" {
		t.Errorf("releases: %+v, %v; want shop@7..5", rs, err)
	}
	// A resolved issue leaves the unresolved list and is in the resolved.
	if err := f.svc.SetStatus(context.Background(), all[1].ID, StatusResolved, audit.Record{Actor: "ann"}); err != nil {
		t.Fatal(err)
	}
	if got := f.issues(t, StatusResolved); len(got) != 1 || got[0].ID != all[1].ID {
		t.Errorf("resolved list: %d", len(got))
	}
	if got := f.issues(t, ""); len(got) != 6 {
		t.Errorf("unresolved list after resolving one: %d, want 6", len(got))
	}
}
