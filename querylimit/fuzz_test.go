package querylimit

import (
	"errors"
	"testing"
	"time"
)

// FuzzCheck feeds the guard arbitrary queries, as any viewer can: it must
// never panic, and it either accepts or refuses with a TooManyStepsError
// over the limit.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`up`,
		`count_over_time(vector(1)[100y:1s])`,
		`max_over_time(rate(up[5m:1s])[30d:1s])`,
		`max_over_time(rate(up[5m:1s])[3h:1m] @ end())`,
		`count_over_time(vector(1)[range() * 2:step()])`,
		`sum by (le) (rate(x_bucket{a=~"b.*"}[5m] offset -1h))`,
		`(up[1h:] offset 1d)[2h:]`,
	} {
		f.Add(s, int64(3600))
	}
	g := newTestGuard(11_000)
	f.Fuzz(func(t *testing.T, query string, spanSeconds int64) {
		end := time.Unix(1_700_000_000, 0)
		span := time.Duration(spanSeconds%(400*24*3600)) * time.Second
		if span < 0 {
			span = -span
		}
		err := g.Check(query, end.Add(-span), end, 15*time.Second)
		if err == nil {
			return
		}
		var tooLong *TooLongError
		if errors.As(err, &tooLong) {
			if len(query) <= MaxQueryBytes {
				t.Fatalf("%d-byte query refused as too long", len(query))
			}
			return
		}
		var tooMany *TooManyStepsError
		if !errors.As(err, &tooMany) {
			t.Fatalf("%q: unexpected error type %T: %v", query, err, err)
		}
		if tooMany.Steps <= float64(tooMany.Limit) {
			t.Fatalf("%q: refused at %.0f steps, within the limit %d", query, tooMany.Steps, tooMany.Limit)
		}
	})
}
