package backups

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/storage"
)

func testStore(t *testing.T) store {
	t.Helper()
	st, err := storage.OpenState(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return store{st: st}
}

// TestStoreListPages: pages are newest first, filtered, and a cursor
// walks them without repeating or skipping a run.
func TestStoreListPages(t *testing.T) {
	s := testStore(t)
	base := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	var want []string
	for i := 0; i < 23; i++ {
		r := Run{ID: newRunID(base.Add(time.Duration(i) * time.Hour)), Kind: KindBackup, Job: "db", State: StateSuccess}
		if i%3 == 0 {
			r.Job, r.State = "media", StateFailed
		} else {
			want = append([]string{r.ID}, want...)
		}
		if err := s.put(r); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	f := Filter{Job: "db", Limit: 4}
	for pages := 0; ; pages++ {
		p, err := s.list(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Runs {
			if r.Job != "db" {
				t.Fatalf("filter let through %+v", r)
			}
			got = append(got, r.ID)
		}
		if p.Next == "" {
			break
		}
		if pages > 10 {
			t.Fatal("the cursor does not advance")
		}
		f.Before = p.Next
	}
	if len(got) != len(want) {
		t.Fatalf("got %d runs, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("run %d = %s, want %s", i, got[i], want[i])
		}
	}
	if r := s.recent("media", KindBackup, 2); len(r) != 2 || r[0].State != StateFailed || r[0].ID <= r[1].ID {
		t.Fatalf("recent = %+v", r)
	}
}

// TestStoreGetRefusesOddIDs: only ids of newRunID's shape are looked up.
func TestStoreGetRefusesOddIDs(t *testing.T) {
	s := testStore(t)
	for _, id := range []string{"", "x", "../../etc", "0000000000000000-zzzzzzzz", "0000000000000000-0000000"} {
		if _, err := s.get(id); err != ErrNotFound {
			t.Errorf("get(%q) = %v", id, err)
		}
	}
	r := Run{ID: newRunID(time.Now()), Kind: KindDrill, State: StateRunning}
	if err := s.put(r); err != nil {
		t.Fatal(err)
	}
	if got, err := s.get(r.ID); err != nil || got.Kind != KindDrill {
		t.Fatalf("get = %+v, %v", got, err)
	}
}
