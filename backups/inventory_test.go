package backups

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// TestParseInfo reads the output of a real pgbackrest 2.45 (a full and
// an incremental backup of a posix repository).
func TestParseInfo(t *testing.T) {
	out, err := os.ReadFile("testdata/info-posix.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseInfo(out, "main")
	if err != nil {
		t.Fatal(err)
	}
	if s.Code != 0 || s.Message != "ok" || s.ArchiveMin != "000000010000000000000001" || s.ArchiveMax != "000000010000000000000004" {
		t.Errorf("status %d %q, archive %s..%s", s.Code, s.Message, s.ArchiveMin, s.ArchiveMax)
	}
	// 7715467523653700902 is above 2^53: a float64 would round it.
	if s.SystemID != 7715467523653700902 {
		t.Errorf("system id %d", s.SystemID)
	}
	if len(s.Backups) != 2 {
		t.Fatalf("%d backups", len(s.Backups))
	}
	full, incr := s.Backups[0], s.Backups[1]
	if full.Label != "20261204-151434F" || full.Type != "full" || full.Size != 22992382 || full.RepoSize != 3043757 ||
		!full.Start.Equal(time.Unix(1796397274, 0)) || !full.Stop.Equal(time.Unix(1796397281, 0)) || !full.Restorable || full.Prior != "" {
		t.Errorf("full: %+v", full)
	}
	if incr.Prior != full.Label || incr.Type != "incr" || incr.RepoSize != 431 || incr.WALStop != "000000010000000000000004" || !incr.Restorable {
		t.Errorf("incr: %+v", incr)
	}
	js, _ := json.Marshal(s)
	if !strings.Contains(string(js), `"system_id":"7715467523653700902"`) {
		t.Errorf("system id in JSON: %s", js)
	}

	// A backup whose WAL is no longer in the archive is not restorable.
	cut := strings.Replace(string(out), `"min": "000000010000000000000001"`, `"min": "000000010000000000000003"`, 1)
	cut = strings.Replace(cut, `"min":"000000010000000000000001"`, `"min":"000000010000000000000003"`, 1)
	s, err = parseInfo([]byte(cut), "main")
	if err != nil {
		t.Fatal(err)
	}
	if s.Backups[0].Restorable || !s.Backups[1].Restorable {
		t.Errorf("after cutting the archive: full restorable %v, incr %v", s.Backups[0].Restorable, s.Backups[1].Restorable)
	}

	for _, bad := range []string{"", "{}", `[{"name":"other"}]`, `[{"name":"main","db":[{"system-id":-1}]}]`, `[{"name":"main","backup":[{"timestamp":{"start":"x"}}]}]`} {
		if _, err := parseInfo([]byte(bad), "main"); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, err := parseInfo([]byte(`[{"name":"main","status":{"code":2,"message":"no valid backups"}}]`), "main"); err != nil {
		t.Errorf("a stanza without backups: %v", err)
	}
}

func FuzzParseInfo(f *testing.F) {
	out, err := os.ReadFile("testdata/info-posix.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(out)
	f.Add([]byte(`[{"name":"main","archive":[{"min":"000000010000000000000009","max":"000000010000000000000001"}],"backup":[{"archive":{"start":"zz","stop":""}}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseInfo(data, "main")
		if err != nil {
			return
		}
		for i, b := range s.Backups {
			if b.Restorable && (b.WALStart < s.ArchiveMin || b.WALStop > s.ArchiveMax || b.WALStart > b.WALStop) {
				t.Fatalf("backup %d restorable outside the archive: %+v in %s..%s", i, b, s.ArchiveMin, s.ArchiveMax)
			}
			if i > 0 && b.Start.Before(s.Backups[i-1].Start) {
				t.Fatal("backups not oldest first")
			}
		}
	})
}

// TestResticSummary: the last summary line counts, wherever the writes
// split the output; other JSON lines and overlong lines are ignored.
func TestResticSummary(t *testing.T) {
	out := `{"message_type":"status","percent_done":0.5,"total_bytes":10}
not json at all
{"message_type":"summary","files_new":1,"files_changed":2,"files_unmodified":3,"total_bytes_processed":100}
` + strings.Repeat("x", maxSummaryLine+10) + `
{"message_type":"summary","files_new":4,"files_changed":5,"files_unmodified":6,"data_added":7,"total_bytes_processed":1234567,"snapshot_id":"abc"}
{"message_type":"status","percent_done":1}
`
	for _, chunk := range []int{1, 7, 4096, len(out)} {
		s := &resticSummary{}
		for i := 0; i < len(out); i += chunk {
			n, err := s.Write([]byte(out[i:min(i+chunk, len(out))]))
			if err != nil || n != min(chunk, len(out)-i) {
				t.Fatalf("write: %d, %v", n, err)
			}
		}
		if !s.found || s.bytes != 1234567 || s.files != 15 {
			t.Errorf("chunks of %d: found %v, %d bytes, %d files", chunk, s.found, s.bytes, s.files)
		}
	}
	s := &resticSummary{}
	_, _ = s.Write([]byte(`{"message_type":"summary","total_bytes_processed":-5}` + "\n"))
	if s.found {
		t.Error("a negative size was taken")
	}
}

func TestMedianAndReasons(t *testing.T) {
	if m := medianBytes([]int64{50, 10, 40, 20, 30}); m != 30 {
		t.Errorf("median %d", m)
	}
	if m := medianBytes([]int64{10, 40, 20, 30}); m != 20 {
		t.Errorf("median of four %d", m)
	}
	if medianBytes(nil) != 0 {
		t.Error("median of nothing")
	}
	if r := suspiciousReason("small: 1 B, under 0.5 of the 7-run median 10 B"); r != "small" {
		t.Errorf("reason %q", r)
	}
	if humanBytes(3<<20) != "3.0 MiB" || humanBytes(12) != "12 B" {
		t.Errorf("humanBytes: %s %s", humanBytes(3<<20), humanBytes(12))
	}
}
