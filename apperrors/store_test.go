package apperrors

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

func TestKeep(t *testing.T) {
	kept := 0
	for n := int64(1); n <= 3000; n++ {
		if keep(n) {
			kept++
		}
	}
	// 100 + 90 (110..1000) + 20 (1100..3000)
	if kept != 210 {
		t.Errorf("kept %d of 3,000, want 210", kept)
	}
}

func TestSampling(t *testing.T) {
	f := newFixture(t)
	e := exc("ValueError", "x", "shop.views:checkout")
	const n = 1234
	for i := 0; i < n; i += 200 {
		var batch []any
		for j := i; j < min(i+200, n); j++ {
			batch = append(batch, e)
		}
		f.ingest(t, "1", t0.Add(time.Duration(i)*time.Second), batch...)
	}
	is := f.issues(t, "")[0]
	// 100, then 110..1000 by ten (90), then 1100 and 1200.
	if is.Count != n || is.Samples != 192 {
		t.Errorf("count %d samples %d, want %d and 192", is.Count, is.Samples, n)
	}
	files := payloadFiles(t, f.svc.opts.Dir)
	if len(files) != 192 {
		t.Errorf("%d payload files, want 192", len(files))
	}
	evs, err := f.svc.Events(context.Background(), is.ID, 1000)
	if err != nil || len(evs) != MaxEvents {
		t.Fatalf("events: %d %v", len(evs), err)
	}
	if !evs[0].Received.After(evs[len(evs)-1].Received) && !evs[0].Received.Equal(evs[len(evs)-1].Received) {
		t.Errorf("events not newest first")
	}
	sums, err := f.svc.SampleSummaries(context.Background(), is.ID, 5)
	if err != nil || len(sums) != 5 || sums[0].ID != evs[0].ID || sums[0].Exceptions[0].Type != "ValueError" {
		t.Fatalf("summaries: %d %v", len(sums), err)
	}
	if len(evs[0].Exceptions[0].Frames) == 0 || len(sums[0].Exceptions[0].Frames) != 0 {
		t.Errorf("summaries keep frames (%d) or events lack them (%d)", len(sums[0].Exceptions[0].Frames), len(evs[0].Exceptions[0].Frames))
	}
	one, err := f.svc.Event(context.Background(), evs[0].ID)
	if err != nil || one.IssueID != is.ID || one.Exceptions[0].Type != "ValueError" {
		t.Errorf("event: %+v %v", one, err)
	}
	counts, err := f.svc.Counts(context.Background(), is.ID, t0, t0.Add(2*time.Hour), time.Hour)
	if err != nil || len(counts) != 2 || counts[0].N != n || counts[1].N != 0 {
		t.Errorf("counts %+v %v", counts, err)
	}
	all, _ := f.svc.Counts(context.Background(), "", t0.Add(-time.Hour), t0.Add(time.Hour), 30*time.Minute)
	if len(all) != 4 || all[2].N != n {
		t.Errorf("all counts %+v", all)
	}
	if f.metric(t, "ward_app_errors_total", "environment=production", "level=error", "project=shop", "release=shop@1.0") != n {
		t.Errorf("ward_app_errors_total is not %d", n)
	}
}

func payloadFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			fi, _ := d.Info()
			if fi.Mode().Perm() != 0o600 {
				tb.Errorf("%s: mode %v, want 0600", p, fi.Mode())
			}
			out = append(out, p)
		}
		if err == nil && d.IsDir() {
			fi, _ := d.Info()
			if fi.Mode().Perm() != 0o700 {
				tb.Errorf("%s: mode %v, want 0700", p, fi.Mode())
			}
		}
		return nil
	})
	return out
}

func TestStatusAndRegression(t *testing.T) {
	f := newFixture(t)
	e := exc("ValueError", "x", "shop.views:checkout")
	f.ingest(t, "1", t0, e)
	id := f.issues(t, "")[0].ID
	if f.metric(t, "ward_app_issues_new_total", "environment=production", "project=shop") != 1 {
		t.Error("no new issue counted")
	}
	if f.metric(t, "ward_app_issue_recent", "environment=production", "issue="+id, "kind=new", "project=shop", "title=ValueError: x") != 1 {
		t.Error("no recent series for the new issue")
	}
	rec := audit.Record{Actor: "ann", ActorIP: "192.0.2.1"}
	if err := f.svc.SetStatus(context.Background(), id, StatusResolved, rec); err != nil {
		t.Fatal(err)
	}
	recs, err := f.st.AuditQuery(audit.Query{Target: id}, nil)
	if err != nil || len(recs) != 1 {
		t.Fatalf("audit %+v %v", recs, err)
	}
	if r := recs[0]; r.Action != ActionIssueResolve || r.Actor != "ann" || r.Details["old_status"] != "unresolved" || r.Details["new_status"] != "resolved" {
		t.Errorf("audit record %+v", r)
	}
	if got := f.issues(t, StatusResolved); len(got) != 1 || got[0].StatusBy != "ann" {
		t.Errorf("resolved %+v", got)
	}
	f.ingest(t, "1", t0.Add(time.Minute), e)
	is := f.issue(t, id)
	regs, err := f.st.AuditQuery(audit.Query{Target: id, Action: ActionIssueRegress}, nil)
	if err != nil || len(regs) != 1 || regs[0].Actor != "ward" || regs[0].Details["new_status"] != "unresolved" {
		t.Errorf("regression audit records %+v %v; want one by ward", regs, err)
	}
	if is.Status != StatusUnresolved || is.Regressions != 1 || is.Count != 2 {
		t.Errorf("after a new event: %+v", is)
	}
	if f.metric(t, "ward_app_issue_regressions_total", "environment=production", "project=shop") != 1 {
		t.Error("no regression counted")
	}
	if f.metric(t, "ward_app_issue_recent", "environment=production", "issue="+id, "kind=regressed", "project=shop", "title=ValueError: x") != 1 {
		t.Error("no recent series for the regression")
	}
	if err := f.svc.SetStatus(context.Background(), id, StatusIgnored, rec); err != nil {
		t.Fatal(err)
	}
	f.ingest(t, "1", t0.Add(2*time.Minute), e)
	if is := f.issue(t, id); is.Status != StatusIgnored || is.Count != 3 || is.Regressions != 1 {
		t.Errorf("ignored: %+v", is)
	}
	if err := f.svc.SetStatus(context.Background(), "nope", StatusResolved, rec); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown issue: %v", err)
	}
	if err := f.svc.SetStatus(context.Background(), id, "closed", rec); !errors.Is(err, ErrBadStatus) {
		t.Errorf("bad status: %v", err)
	}
	if recs, _ := f.st.AuditQuery(audit.Query{Target: id}, nil); len(recs) != 3 {
		t.Errorf("%d audit records, want 3 (resolve, regress, ignore)", len(recs))
	}
}

func TestAcceptOverloaded(t *testing.T) {
	f := newFixture(t)
	ev, _ := json.Marshal(exc("E", "x", "a.m:f"))
	batch := make([]json.RawMessage, 100)
	for i := range batch {
		batch[i] = ev
	}
	// The queue fills with requests waiting for the worker (not running
	// yet); the next is refused at once.
	waiting := make(chan error, MaxQueueEvents/100)
	for range MaxQueueEvents / 100 {
		go func() { waiting <- f.svc.Accept(context.Background(), "1", batch, t0) }()
	}
	for n, _ := f.svc.queue.depth(); n < MaxQueueEvents; n, _ = f.svc.queue.depth() {
		runtime.Gosched()
	}
	if err := f.svc.Accept(context.Background(), "1", batch, t0); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("a full queue: %v, want ErrOverloaded", err)
	}
	// All or nothing: one more event does not fit either.
	if err := f.svc.Accept(context.Background(), "1", batch[:1], t0); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("one more: %v", err)
	}
	if f.metric(t, "ward_app_errors_dropped_total", "reason=queue_full") != 101 {
		t.Errorf("dropped %v, want 101", f.metric(t, "ward_app_errors_dropped_total", "reason=queue_full"))
	}
	// Bytes bound too.
	big := json.RawMessage(`{"message":"` + strings.Repeat("x", MaxQueueBytes/2) + `"}`)
	f2 := newFixture(t)
	if err := f2.svc.Accept(context.Background(), "1", []json.RawMessage{big, big, big}, t0); !errors.Is(err, ErrOverloaded) {
		t.Errorf("over the byte bound: %v", err)
	}
	// What was accepted is all stored, by the worker at shutdown.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.svc.Run(ctx); err != nil {
		t.Fatal(err)
	}
	for range MaxQueueEvents / 100 {
		if err := <-waiting; err != nil {
			t.Errorf("a waiting request: %v", err)
		}
	}
	if is := f.issues(t, ""); len(is) != 1 || is[0].Count != MaxQueueEvents {
		t.Errorf("stored %+v, want one issue of %d", is, MaxQueueEvents)
	}
	if err := f.svc.Accept(context.Background(), "9", batch[:1], t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown project: %v", err)
	}
	// The worker has stopped: nothing is taken that it would not store.
	if err := f.svc.Accept(context.Background(), "1", batch[:1], t0); !errors.Is(err, ErrOverloaded) {
		t.Errorf("after Run: %v, want ErrOverloaded", err)
	}
}

// TestRunConcurrent runs the worker and retention while requests come
// in and the pages read (for the race detector); stopping it stores
// everything accepted.
func TestRunConcurrent(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- f.svc.Run(ctx) }()
	ev, _ := json.Marshal(exc("E", "x", "a.m:f"))
	for i := range 300 {
		// Each Accept returns once stored: the count is exact at once.
		if err := f.svc.Accept(context.Background(), "1", []json.RawMessage{ev, ev}, t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
		if i == 10 {
			if is := f.issues(t, ""); len(is) != 1 || is[0].Count != 22 {
				t.Errorf("after 11 requests: %+v, want one issue of 22", is)
			}
		}
		if i%50 == 0 {
			if _, err := f.svc.Issues(context.Background(), IssueFilter{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cancel()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if is := f.issues(t, ""); len(is) != 1 || is[0].Count != 600 {
		t.Errorf("issues %+v, want one of 600 events", is)
	}
}
