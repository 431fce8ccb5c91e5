package apperrors

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/alecthomas/units"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

func TestRetention(t *testing.T) {
	f := newFixture(t, func(c *config.Errors) { c.Retention = model.Duration(24 * time.Hour) })
	old := exc("OldError", "x", "a.m:old")
	live := exc("LiveError", "x", "a.m:live")
	f.ingest(t, "1", t0, old, live, with(live, "release", "shop@0.9"))
	f.ingest(t, "1", t0.Add(30*time.Hour), live)
	f.now = t0.Add(36 * time.Hour)
	if err := f.svc.retain(context.Background()); err != nil {
		t.Fatal(err)
	}
	is := f.issues(t, "")
	if len(is) != 1 || is[0].Title != "LiveError: x" {
		t.Fatalf("issues after retention: %+v", is)
	}
	// The live issue keeps its exact count but only its recent sample.
	if is[0].Count != 3 || is[0].Samples != 1 {
		t.Errorf("live issue: count %d samples %d, want 3 and 1", is[0].Count, is[0].Samples)
	}
	if files := payloadFiles(t, f.svc.opts.Dir); len(files) != 1 {
		t.Errorf("%d payload files, want 1: %v", len(files), files)
	}
	counts, _ := f.svc.Counts(context.Background(), "", t0.Add(-time.Hour), f.now, time.Hour)
	var total int64
	for _, c := range counts {
		total += c.N
	}
	if total != 1 {
		t.Errorf("hourly counts left %d events, want the 1 within the day", total)
	}
	rels, _ := f.svc.Releases(context.Background(), "1")
	if len(rels) != 1 || rels[0].Version != "shop@1.0" {
		t.Errorf("releases %+v", rels)
	}
	var bytes int64
	_ = f.st.View(func(tx *storage.Tx) error { bytes = tx.AppSampleBytes(); return nil })
	if bytes <= 0 || float64(bytes) != f.metric(t, "ward_app_errors_stored_bytes") {
		t.Errorf("stored bytes %d, gauge %v", bytes, f.metric(t, "ward_app_errors_stored_bytes"))
	}
}

func TestSizeCap(t *testing.T) {
	const capBytes = 40 << 10
	f := newFixture(t, func(c *config.Errors) { c.MaxSize = units.Base2Bytes(capBytes) })
	// Distinct issues whose payloads compress badly: each is ~2 KB.
	for i := range 60 {
		e := exc(fmt.Sprintf("E%d", i), randomText(i, 2000), "a.m:f")
		f.ingest(t, "1", t0.Add(time.Duration(i)*time.Minute), e)
	}
	var before int64
	_ = f.st.View(func(tx *storage.Tx) error { before = tx.AppSampleBytes(); return nil })
	if before != 60*storage.AppSampleBlock {
		t.Fatalf("the test stored %d bytes, want 60 files of one 4 KiB block each", before)
	}
	select {
	case <-f.svc.overCap:
	default:
		t.Error("the writer did not ask for the size cap's eviction")
	}
	if err := f.svc.retain(context.Background()); err != nil {
		t.Fatal(err)
	}
	var after int64
	_ = f.st.View(func(tx *storage.Tx) error { after = tx.AppSampleBytes(); return nil })
	if after > capBytes {
		t.Errorf("after the cap: %d bytes, over %d", after, capBytes)
	}
	is := f.issues(t, "")
	if len(is) != 60 {
		t.Fatalf("%d issues, want all 60 (the cap evicts samples, not issues)", len(is))
	}
	kept, oldestKept := 0, -1
	for _, x := range is {
		if x.Count != 1 {
			t.Errorf("%s: count %d", x.Title, x.Count)
		}
		var n int
		fmt.Sscanf(x.Title, "E%d:", &n)
		if x.Samples == 1 {
			kept++
			if oldestKept == -1 || n < oldestKept {
				oldestKept = n
			}
		} else if n > 60-kept {
			t.Errorf("%s lost its sample before older ones", x.Title)
		}
	}
	// 40 KiB holds 10 files of one block (and the sample cap is 10).
	if kept != capBytes/storage.AppSampleBlock || oldestKept != 60-kept {
		t.Errorf("kept %d samples, oldest E%d: want the newest only", kept, oldestKept)
	}
	if len(payloadFiles(t, f.svc.opts.Dir)) != kept {
		t.Errorf("files and index disagree")
	}
}

// TestSizeCapAtOnce: with the worker running, a batch that takes the
// samples over the cap has them evicted without waiting for the
// retention loop's next turn (RetentionEvery, 5 minutes).
func TestSizeCapAtOnce(t *testing.T) {
	f := newFixture(t, func(c *config.Errors) { c.MaxSize = 8 * storage.AppSampleBlock })
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- f.svc.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Error(err)
		}
	}()
	for i := range 20 {
		ev, _ := json.Marshal(exc(fmt.Sprintf("E%d", i), "x", "a.m:f"))
		if err := f.svc.Accept(context.Background(), "1", []json.RawMessage{ev}, t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	// Eviction runs beside the worker: wait for it, bounded far below
	// RetentionEvery so that only the writer's wake-up can pass.
	var count int64
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		_ = f.st.View(func(tx *storage.Tx) error { count = tx.AppSampleCount(); return nil })
		if count <= 8 {
			break
		}
	}
	if count != 8 {
		t.Errorf("%d samples stored, want the cap's 8", count)
	}
}

// randomText is incompressible-ish text, the same for the same seed.
func randomText(seed, n int) string {
	b := make([]byte, n)
	x := uint64(seed)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = 'a' + byte(x%26)
	}
	return string(b)
}
