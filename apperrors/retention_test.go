package apperrors

import (
	"context"
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
	if before <= capBytes {
		t.Fatalf("the test stored %d bytes, not over the cap %d", before, capBytes)
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
	if kept == 0 || kept == 60 || oldestKept != 60-kept {
		t.Errorf("kept %d samples, oldest E%d: want the newest only", kept, oldestKept)
	}
	if len(payloadFiles(t, f.svc.opts.Dir)) != kept {
		t.Errorf("files and index disagree")
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
