package dictionaries

import (
	"strings"
	"testing"

	"github.com/trustelem/zxcvbn/frequency"
)

// TestRanksMatchUpstream looks up every word of every upstream list, as
// upstream ranks it, in the packed lists; and words on no list.
func TestRanksMatchUpstream(t *testing.T) {
	all := All()
	if len(all) != len(frequency.FrequencyLists) {
		t.Fatalf("%d lists, upstream has %d", len(all), len(frequency.FrequencyLists))
	}
	for _, d := range all {
		list, ok := frequency.FrequencyLists[d.Name()]
		if !ok {
			t.Fatalf("list %q is not upstream's", d.Name())
		}
		want := make(map[string]int, len(list))
		for i, w := range list {
			want[strings.ToLower(w)] = i + 1
		}
		if d.Len() != len(want) {
			t.Errorf("%s: %d words, upstream %d", d.Name(), d.Len(), len(want))
		}
		for w, rank := range want {
			if got, ok := d.Rank(w); !ok || got != rank {
				t.Fatalf("%s: Rank(%q) = %d, %v; upstream %d", d.Name(), w, got, ok, rank)
			}
			// A word with one more letter is on the list only when
			// upstream has it.
			longer := w + "\x01"
			if _, ok := d.Rank(longer); ok {
				t.Fatalf("%s: Rank(%q) found a word upstream lacks", d.Name(), longer)
			}
		}
		for _, w := range []string{"", "\x00", "\xff\xff", "correct-horse-battery-staple-ward"} {
			if r, ok := d.Rank(w); ok != (want[w] != 0) || r != want[w] {
				t.Errorf("%s: Rank(%q) = %d, %v; upstream %d", d.Name(), w, r, ok, want[w])
			}
		}
	}
	if r, ok := Passwords().Rank("password"); !ok || r != 2 {
		t.Errorf(`Passwords().Rank("password") = %d, %v; want 2, true`, r, ok)
	}
}

// BenchmarkRank is one lookup in the largest list.
func BenchmarkRank(b *testing.B) {
	d := All()[1]
	b.ReportAllocs()
	for b.Loop() {
		d.Rank("monitoring")
	}
}
