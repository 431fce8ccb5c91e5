package main

import (
	"testing"
	"time"
)

func TestScrapeReference(t *testing.T) {
	const interval = 2 * time.Second
	base := time.Unix(1000, 0)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	tests := []struct {
		name    string
		offsets []time.Duration // scrape k at base + k*interval + offset
		want    time.Time
	}{
		{"steady", []time.Duration{0, 0, 0, 0, 0}, base.Add(4 * interval)},
		{"last one late", []time.Duration{0, ms(1), 0, 0, ms(20)}, base.Add(4 * interval)},
		{"phase near the wrap", []time.Duration{ms(-1), ms(1), ms(-1), ms(1), ms(-1)}, base.Add(4*interval - ms(1))},
		{"one early among few", []time.Duration{ms(-30)}, base.Add(-ms(30))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt := newTarget(nil)
			for k, off := range tt.offsets {
				tgt.scrapes = append(tgt.scrapes, base.Add(time.Duration(k)*interval+off))
			}
			if got := tgt.scrapeReference(interval); !got.Equal(tt.want) {
				t.Errorf("scrapeReference = base%+v, want base%+v", got.Sub(base), tt.want.Sub(base))
			}
		})
	}
}
