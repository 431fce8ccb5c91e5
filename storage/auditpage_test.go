package storage

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

// pageAll walks every page of q in the given order and returns the
// sequence numbers read, and how many pages it took.
func pageAll(tb testing.TB, st *State, q audit.Query, o AuditPageOptions) ([]uint64, int) {
	tb.Helper()
	var seqs []uint64
	for pages := 1; pages < 100; pages++ {
		p, err := st.AuditPageQuery(q, o)
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range p.Records {
			seqs = append(seqs, r.Seq)
		}
		if !p.More {
			return seqs, pages
		}
		if o.Oldest {
			q.AfterSeq = p.Resume
		} else {
			q.BeforeSeq = p.Resume
		}
	}
	tb.Fatal("paging did not end")
	return nil, 0
}

func TestAuditPageQuery(t *testing.T) {
	st := openTestState(t)
	// Ten records; the even ones are about bob.
	for i := 1; i <= 10; i++ {
		target := "alice"
		if i%2 == 0 {
			target = "bob"
		}
		r := audit.Record{Time: t0.Add(time.Duration(i) * time.Minute), Actor: "admin", Action: audit.ActionUserRole, Target: target, Outcome: audit.Success}
		if err := st.AppendAudit(r); err != nil {
			t.Fatal(err)
		}
	}
	seq := func(from, to, step int) []uint64 {
		var out []uint64
		for i := from; step > 0 && i <= to || step < 0 && i >= to; i += step {
			out = append(out, uint64(i))
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		q         audit.Query
		o         AuditPageOptions
		want      []uint64
		wantPages int
	}{
		{"newest first", audit.Query{}, AuditPageOptions{Limit: 3}, seq(10, 1, -1), 4},
		{"oldest first", audit.Query{}, AuditPageOptions{Limit: 4, Oldest: true}, seq(1, 10, 1), 3},
		{"target", audit.Query{Target: "bob"}, AuditPageOptions{Limit: 2}, seq(10, 2, -2), 3},
		{"target oldest first", audit.Query{Target: "alice"}, AuditPageOptions{Limit: 10, Oldest: true}, seq(1, 9, 2), 1},
		{"scan bound", audit.Query{Target: "bob"}, AuditPageOptions{Limit: 100, MaxScan: 3}, seq(10, 2, -2), 4},
		{"below a cursor", audit.Query{BeforeSeq: 4}, AuditPageOptions{Limit: 100}, seq(3, 1, -1), 1},
		{"after a cursor", audit.Query{AfterSeq: 7}, AuditPageOptions{Limit: 100, Oldest: true}, seq(8, 10, 1), 1},
		{"after the end", audit.Query{AfterSeq: 10}, AuditPageOptions{Limit: 100, Oldest: true}, nil, 1},
		{"time", audit.Query{Since: t0.Add(3 * time.Minute), Until: t0.Add(5 * time.Minute)}, AuditPageOptions{Limit: 1}, seq(4, 3, -1), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, pages := pageAll(t, st, tc.q, tc.o)
			if !slices.Equal(got, tc.want) || pages != tc.wantPages {
				t.Errorf("got %v in %d pages, want %v in %d", got, pages, tc.want, tc.wantPages)
			}
		})
	}

	// Caught up, oldest first: the page resumes where it was asked to.
	p, err := st.AuditPageQuery(audit.Query{AfterSeq: 10}, AuditPageOptions{Limit: 5, Oldest: true})
	if err != nil || p.Resume != 10 || p.More || len(p.Records) != 0 {
		t.Errorf("caught-up page %+v, %v: want resume 10, nothing more", p, err)
	}

	// The view record holds the count and is in the same chain.
	p, err = st.AuditPageQuery(audit.Query{Target: "bob"}, AuditPageOptions{Limit: 2, View: func(p AuditPage) audit.Record {
		return audit.Record{Time: t0.Add(time.Hour), Actor: "admin", Action: audit.ActionAuditView, Outcome: audit.Success,
			Details: map[string]string{"records": strconv.Itoa(len(p.Records)), "resume": fmt.Sprint(p.Resume)}}
	}})
	if err != nil || len(p.Records) != 2 {
		t.Fatalf("%+v, %v", p, err)
	}
	views, err := st.AuditQuery(audit.Query{Action: audit.ActionAuditView}, nil)
	if err != nil || len(views) != 1 || views[0].Details["records"] != "2" || views[0].Details["resume"] != "8" {
		t.Fatalf("view records %+v, %v: want one with records=2 resume=8", views, err)
	}
	if res, _ := st.VerifyAudit(t0); !res.Valid || res.Records != 11 {
		t.Fatalf("chain after the view: %+v", res)
	}
	if _, err := st.AuditPageQuery(audit.Query{}, AuditPageOptions{}); err == nil {
		t.Error("a page of limit 0 was accepted")
	}
}
