package main

import "testing"

func TestSummarize(t *testing.T) {
	var xs []float64
	for i := 24; i >= 1; i-- {
		xs = append(xs, float64(i))
	}
	s := summarize(xs)
	want := summary{N: 24, Min: 1, P50: 12, P95: 23, Max: 24, Mean: 12.5}
	if s != want {
		t.Errorf("summarize(1..24) = %+v, want %+v", s, want)
	}
	if xs[0] != 24 {
		t.Error("summarize sorted its input")
	}
	if (summarize(nil) != summary{}) {
		t.Error("summarize(nil) is not zero")
	}
	if one := summarize([]float64{3}); one.P50 != 3 || one.P95 != 3 {
		t.Errorf("one sample: %+v", one)
	}
}
