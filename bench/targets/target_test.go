package main

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// parse reads a rendered body into series line -> value, checking that
// every non-comment line is "name{labels} value".
func parse(tb testing.TB, body []byte) map[string]float64 {
	tb.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			tb.Fatalf("line without value: %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			tb.Fatalf("line %q: %v", line, err)
		}
		if _, dup := out[line[:i]]; dup {
			tb.Fatalf("duplicate series %q", line[:i])
		}
		out[line[:i]] = v
	}
	return out
}

func TestTarget(t *testing.T) {
	for _, n := range []int{64, 500, 2000, 5001} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			tg, err := NewTarget(n, 7)
			if err != nil {
				t.Fatal(err)
			}
			first := parse(t, tg.Render())
			if len(first) != n {
				t.Fatalf("rendered %d series, want %d", len(first), n)
			}
			second := parse(t, tg.Render())
			changed := 0
			for s, v := range second {
				old := first[s]
				if v != old {
					changed++
				}
				isCounter := strings.HasSuffix(s, "_total") || strings.Contains(s, "_bucket{") ||
					strings.Contains(s, "_sum{") || strings.Contains(s, "_count{")
				if isCounter && v < old {
					t.Errorf("counter %s went down: %v -> %v", s, old, v)
				}
			}
			if changed < n/2 {
				t.Errorf("only %d of %d series changed between scrapes", changed, n)
			}
		})
	}
}

func TestHistogramCumulative(t *testing.T) {
	tg, err := NewTarget(2000, 3)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		tg.Render()
	}
	for _, h := range tg.hists {
		nb := len(bucketBounds)
		for j := 1; j < nb; j++ {
			if tg.values[h.first+j] < tg.values[h.first+j-1] {
				t.Fatalf("bucket %d below bucket %d", j, j-1)
			}
		}
		if inf, count := tg.values[h.first+nb-1], tg.values[h.first+nb+1]; inf != count {
			t.Fatalf("+Inf bucket %v != count %v", inf, count)
		}
	}
}

func TestTooFewSeries(t *testing.T) {
	if _, err := NewTarget(10, 1); err == nil {
		t.Fatal("want an error for 10 series")
	}
}

// BenchmarkRender is the target server's cost per scrape of one target.
func BenchmarkRender(b *testing.B) {
	tg, err := NewTarget(2000, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.SetBytes(int64(len(tg.Render())))
	}
}
