package storage

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func TestEvidence(t *testing.T) {
	st, err := OpenState(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var recs []EvidenceRecord
	for _, c := range []string{"a", "ab", "b"} {
		for i := range 3 {
			recs = append(recs, EvidenceRecord{Control: c, At: t0.Add(time.Duration(i) * time.Hour), JSON: fmt.Appendf(nil, `{"c":%q,"i":%d}`, c, i)})
		}
	}
	if err := st.AppendEvidence(recs); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendEvidence([]EvidenceRecord{{Control: "a\x00b", At: t0}}); err == nil {
		t.Error("a control id with a zero byte was stored")
	}
	latest, err := st.LatestEvidence()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"a", "ab", "b"} {
		if got, want := string(latest[c].JSON), fmt.Sprintf(`{"c":%q,"i":2}`, c); got != want || !latest[c].At.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("latest of %s: %s at %v, want %s", c, got, latest[c].At, want)
		}
	}
	var got []string
	if err := st.EvidenceRange("a", t0.Add(time.Hour), t0.Add(3*time.Hour), func(r EvidenceRecord) error {
		got = append(got, string(r.JSON))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != `[{"c":"a","i":1} {"c":"a","i":2}]` {
		t.Errorf("range of a: %v", got)
	}
	n := 0
	_ = st.EvidenceRange("", t0, t0.Add(time.Hour), func(EvidenceRecord) error { n++; return nil })
	if n != 3 {
		t.Errorf("first hour of every control: %d records, want 3", n)
	}
	if pruned, err := st.PruneEvidence(t0.Add(time.Hour)); err != nil || pruned != 3 {
		t.Errorf("pruned %d (%v), want 3", pruned, err)
	}
	n = 0
	_ = st.EvidenceRange("", t0, t0.Add(24*time.Hour), func(EvidenceRecord) error { n++; return nil })
	if n != 6 {
		t.Errorf("after pruning: %d records, want 6", n)
	}
}
