package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/apperrors"
)

// largestWrite records the biggest single Write it was given.
type largestWrite struct {
	strings.Builder
	max int
}

func (l *largestWrite) Write(p []byte) (int, error) {
	l.max = max(l.max, len(p))
	return l.Builder.Write(p)
}

// TestErrorsPeopleExportStreams: the export is written an event at a
// time (no write holds the whole), parses, and states a cut.
func TestErrorsPeopleExportStreams(t *testing.T) {
	big := strings.Repeat("x", 20<<10)
	evs := make([]apperrors.Event, 200) // ~4 MB of JSON
	for i := range evs {
		evs[i] = apperrors.Event{ID: "e", Message: big}
	}
	for _, tc := range []struct {
		name string
		x    peopleExport
		want string
	}{
		{"bounded and cut", peopleExport{Matched: 900, Truncated: true, Known: true}, `"truncated":true`},
		{"bounds unknown", peopleExport{Matched: -1}, `"error_events":[`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w largestWrite
			if err := writePeopleExport(&w, evs, tc.x); err != nil {
				t.Fatal(err)
			}
			out := w.String()
			if w.max > 64<<10 {
				t.Errorf("largest write %d bytes of %d: the whole was buffered", w.max, len(out))
			}
			var got struct {
				Matched   *int              `json:"matched"`
				Truncated bool              `json:"truncated"`
				Events    []apperrors.Event `json:"error_events"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("export does not parse: %v", err)
			}
			if len(got.Events) != len(evs) || !strings.Contains(out, tc.want) {
				t.Errorf("events %d, want %d; %q in the head: %v", len(got.Events), len(evs), tc.want, strings.Contains(out, tc.want))
			}
			if tc.x.Known != (got.Matched != nil) || got.Truncated != tc.x.Truncated {
				t.Errorf("matched %v truncated %v, want known %v truncated %v", got.Matched, got.Truncated, tc.x.Known, tc.x.Truncated)
			}
		})
	}
}

// TestPrivacyExportCompact: the personal export is encoded compact onto
// the response, not indented into a buffer first.
func TestPrivacyExportCompact(t *testing.T) {
	var w largestWrite
	writeCompact(&w, map[string]any{"events": []string{"a", "b"}})
	if got := w.String(); got != `{"events":["a","b"]}`+"\n" {
		t.Errorf("export %q, want compact JSON", got)
	}
}
