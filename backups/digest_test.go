package backups

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
	"github.com/ward-monitoring/ward/storage"
)

// TestDailyDigest: at digest.at in its zone, one digest of the previous
// 24 hours' runs of the jobs with digest: true goes to the receiver;
// jobs without it are left out, and it is sent once.
func TestDailyDigest(t *testing.T) {
	st, err := storage.OpenState(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var mu sync.Mutex
	var sent []string
	clock := &testClock{t: at("2026-03-10T06:00:00Z")}
	m := New(Options{State: st, Now: clock.Now, Digest: func(_ context.Context, receiver, summary, text string) error {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, receiver+"|"+summary+"|"+text)
		return nil
	}})
	t.Cleanup(func() { m.cancel(); m.wg.Wait() })
	m.Apply(loadBackups(t, `  jobs:
    - {name: media, kind: command, command: [/bin/true], digest: true}
    - {name: quiet, kind: command, command: [/bin/true]}
  digest: {receiver: log, at: "08:30", time_zone: Europe/Berlin}
`))
	put := func(job string, state RunState, start string, bytes int64, label string) {
		r := Run{ID: newRunID(at(start)), Kind: KindBackup, State: state, Job: job, Started: at(start), Finished: at(start).Add(time.Minute), Bytes: bytes, Label: label}
		if err := m.store.put(r); err != nil {
			t.Fatal(err)
		}
	}
	put("media", StateSuccess, "2026-03-09T07:00:00Z", 1<<30, "old") // before the window
	put("media", StateSuccess, "2026-03-09T12:00:00Z", 1<<20, "a")
	put("media", StateMissed, "2026-03-10T02:00:00Z", 0, "")
	put("media", StateSuccess, "2026-03-10T03:00:00Z", 1<<20, "b")
	put("quiet", StateSuccess, "2026-03-10T03:00:00Z", 5, "q")
	m.step(context.Background())
	clock.Set(at("2026-03-10T07:29:59Z")) // 08:29:59 in Berlin
	m.step(context.Background())
	mu.Lock()
	n := len(sent)
	mu.Unlock()
	if n != 0 {
		t.Fatalf("sent before its time: %q", sent)
	}
	clock.Set(at("2026-03-10T07:30:01Z"))
	m.step(context.Background())
	m.step(context.Background())
	servicetest.Eventually(t, 5*time.Second, "digest sent", func() bool { mu.Lock(); defer mu.Unlock(); return len(sent) > 0 })
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	want := "log|Backups 2026-03-09 07:30 to 2026-03-10 07:30 UTC: 2 succeeded, 1 failed or missed|media: 2 succeeded, 1 failed or missed, 2.0 MiB, newest b\n"
	if len(sent) != 1 || sent[0] != want {
		t.Errorf("sent %q\nwant %q", sent, want)
	}
	if strings.Contains(sent[0], "quiet") {
		t.Error("a job without digest: true is in the digest")
	}
}
