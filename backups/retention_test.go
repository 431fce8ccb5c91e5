package backups

import (
	"slices"
	"testing"
	"time"
)

// daily02 is the default backup schedule: every day at 02:00 in loc.
func daily02(loc *time.Location) func(time.Time) time.Time {
	return func(t time.Time) time.Time {
		t = t.In(loc)
		y, m, d := t.Date()
		next := time.Date(y, m, d, 2, 0, 0, 0, loc)
		if !next.After(t) {
			next = time.Date(y, m, d+1, 2, 0, 0, 0, loc)
		}
		return next
	}
}

func mustLoc(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// restorable returns one restorable backup per stop time, labelled by it.
func restorable(stops ...time.Time) []Backup {
	var inv []Backup
	for _, s := range stops {
		inv = append(inv, Backup{Label: s.UTC().Format("20060102-150405F"), Stop: s, Restorable: true})
	}
	return inv
}

func TestCheckRetention(t *testing.T) {
	utc := time.UTC
	berlin := mustLoc(t, "Europe/Berlin")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	tests := []struct {
		name        string
		p           RetentionPolicy
		inv         []Backup
		now         time.Time
		wantGaps    []string
		wantOverdue []string
	}{
		{
			name:     "three dailies present",
			p:        RetentionPolicy{Daily: 3, Grace: 2 * time.Hour, Next: daily02(utc)},
			inv:      restorable(at(utc, 2026, 3, 13, 2, 10), at(utc, 2026, 3, 14, 2, 10), at(utc, 2026, 3, 15, 2, 10)),
			now:      at(utc, 2026, 3, 15, 12, 0),
			wantGaps: []string{},
		},
		{
			name:     "a missing day is named",
			p:        RetentionPolicy{Daily: 3, Grace: 2 * time.Hour, Next: daily02(utc)},
			inv:      restorable(at(utc, 2026, 3, 13, 2, 10), at(utc, 2026, 3, 15, 2, 10)),
			now:      at(utc, 2026, 3, 15, 12, 0),
			wantGaps: []string{"missing daily 2026-03-14"},
		},
		{
			name: "today is not missing before its schedule plus grace",
			p:    RetentionPolicy{Daily: 2, Grace: 2 * time.Hour, Next: daily02(utc)},
			inv:  restorable(at(utc, 2026, 3, 13, 2, 10), at(utc, 2026, 3, 14, 2, 10)),
			// 03:59: the 02:00 backup has one more minute of grace.
			now:      at(utc, 2026, 3, 15, 3, 59),
			wantGaps: []string{},
		},
		{
			name:     "today is missing after its schedule plus grace",
			p:        RetentionPolicy{Daily: 2, Grace: 2 * time.Hour, Next: daily02(utc)},
			inv:      restorable(at(utc, 2026, 3, 13, 2, 10), at(utc, 2026, 3, 14, 2, 10)),
			now:      at(utc, 2026, 3, 15, 4, 0),
			wantGaps: []string{"missing daily 2026-03-15"},
		},
		{
			name: "an unrestorable or corrupt backup fills no bucket",
			p:    RetentionPolicy{Daily: 2, Next: daily02(utc)},
			inv: append(restorable(at(utc, 2026, 3, 15, 2, 10)),
				Backup{Label: "a", Stop: at(utc, 2026, 3, 14, 2, 10), Restorable: false},
				Backup{Label: "b", Stop: at(utc, 2026, 3, 14, 3, 10), Restorable: true, Error: true}),
			now:      at(utc, 2026, 3, 15, 12, 0),
			wantGaps: []string{"missing daily 2026-03-14"},
		},
		{
			// 2026 has 53 ISO weeks; 2027-01-01 (a Friday) is in 2026-W53.
			name:     "ISO weeks across the year boundary",
			p:        RetentionPolicy{Weekly: 3, Next: daily02(utc)},
			inv:      restorable(at(utc, 2027, 1, 1, 2, 10), at(utc, 2027, 1, 4, 2, 10)),
			now:      at(utc, 2027, 1, 6, 12, 0),
			wantGaps: []string{"missing weekly 2026-W52"},
		},
		{
			name:     "week one of 2026 starts in 2025",
			p:        RetentionPolicy{Weekly: 2, Next: daily02(utc)},
			inv:      restorable(at(utc, 2025, 12, 29, 2, 10)),
			now:      at(utc, 2026, 1, 7, 12, 0),
			wantGaps: []string{"missing weekly 2026-W02"},
		},
		{
			// Spring forward: 2026-03-29 has 23 hours in Berlin. A backup
			// at 00:30 local is on the previous day in UTC.
			name: "daily buckets in the policy's zone over a 23-hour day",
			p:    RetentionPolicy{Daily: 3, Grace: time.Hour, Loc: berlin, Next: daily02(berlin)},
			inv: restorable(at(berlin, 2026, 3, 28, 0, 30), at(berlin, 2026, 3, 29, 0, 30),
				at(berlin, 2026, 3, 30, 0, 30)),
			now:      at(berlin, 2026, 3, 30, 12, 0),
			wantGaps: []string{},
		},
		{
			name:     "a 25-hour day is one bucket",
			p:        RetentionPolicy{Daily: 3, Grace: time.Hour, Loc: berlin, Next: daily02(berlin)},
			inv:      restorable(at(berlin, 2026, 10, 24, 23, 30), at(berlin, 2026, 10, 26, 0, 30)),
			now:      at(berlin, 2026, 10, 26, 12, 0),
			wantGaps: []string{"missing daily 2026-10-25"},
		},
		{
			name:     "the same instants bucketed in UTC leave a gap",
			p:        RetentionPolicy{Daily: 3, Grace: time.Hour, Next: daily02(utc)},
			inv:      restorable(at(berlin, 2026, 3, 28, 0, 30), at(berlin, 2026, 3, 29, 0, 30), at(berlin, 2026, 3, 30, 0, 30)),
			now:      at(utc, 2026, 3, 30, 12, 0),
			wantGaps: []string{"missing daily 2026-03-30"},
		},
		{
			// Samoa skipped 2011-12-30: no such bucket is required.
			name:     "a skipped day is no bucket",
			p:        RetentionPolicy{Daily: 3, Loc: mustLoc(t, "Pacific/Apia"), Next: daily02(mustLoc(t, "Pacific/Apia"))},
			inv:      restorable(at(mustLoc(t, "Pacific/Apia"), 2011, 12, 29, 2, 10), at(mustLoc(t, "Pacific/Apia"), 2012, 1, 1, 2, 10)),
			now:      at(mustLoc(t, "Pacific/Apia"), 2012, 1, 1, 12, 0),
			wantGaps: []string{"missing daily 2011-12-31"},
		},
		{
			name:     "monthly and yearly",
			p:        RetentionPolicy{Monthly: 3, Yearly: 2, Next: daily02(utc)},
			inv:      restorable(at(utc, 2026, 3, 1, 2, 10), at(utc, 2026, 1, 20, 2, 10)),
			now:      at(utc, 2026, 3, 15, 12, 0),
			wantGaps: []string{"missing monthly 2026-02", "missing yearly 2025"},
		},
		{
			name: "kept past max_age",
			p:    RetentionPolicy{MaxAge: 90 * 24 * time.Hour},
			inv: []Backup{
				{Label: "20251201-020000F", Stop: at(utc, 2025, 12, 1, 2, 10)},
				{Label: "20260301-020000F", Stop: at(utc, 2026, 3, 1, 2, 10), Restorable: true},
			},
			now:         at(utc, 2026, 3, 15, 12, 0),
			wantGaps:    []string{},
			wantOverdue: []string{"backup 20251201-020000F kept past max_age 90d (stopped 2025-12-01)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := CheckRetention(tc.p, tc.inv, tc.now)
			if !slices.Equal(rep.Gaps, tc.wantGaps) {
				t.Errorf("gaps %q, want %q", rep.Gaps, tc.wantGaps)
			}
			want := tc.wantOverdue
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(rep.Overdue, want) {
				t.Errorf("overdue %q, want %q", rep.Overdue, want)
			}
			if n := tc.p.Daily + tc.p.Weekly + tc.p.Monthly + tc.p.Yearly; len(rep.Buckets) != n {
				t.Errorf("%d buckets, want %d", len(rep.Buckets), n)
			}
		})
	}
}

// fuzzZones are the zones the fuzz test picks from: UTC, one with DST on
// both sides of midnight's neighbours, one south of the equator, one with a
// half-hour offset and one that skipped a whole day (Samoa, 2011-12-30).
var fuzzZones = []string{"UTC", "Europe/Berlin", "America/Santiago", "Asia/Kolkata", "Pacific/Apia"}

// FuzzCheckRetention feeds arbitrary inventories and policies: the check
// never panics, requires exactly the buckets asked for (bounded), each
// once, and a bucket is missing exactly when no restorable backup's stop
// falls in it.
func FuzzCheckRetention(f *testing.F) {
	f.Add(int64(1773576000), int64(86400), uint8(30), uint8(26), uint8(12), uint8(3), int64(3600), uint8(1), []byte{1, 2, 3, 200})
	f.Add(int64(0), int64(1), uint8(0), uint8(0), uint8(0), uint8(0), int64(0), uint8(0), []byte{})
	f.Fuzz(func(t *testing.T, now, step int64, daily, weekly, monthly, yearly uint8, grace int64, zone uint8, gaps []byte) {
		loc := mustLoc(t, fuzzZones[int(zone)%len(fuzzZones)])
		nowT := time.Unix(now%(1<<40), 0)
		step = max(1, step%(400*86400))
		if len(gaps) > 200 {
			gaps = gaps[:200]
		}
		var inv []Backup
		at := nowT
		for i, g := range gaps {
			at = at.Add(-time.Duration(step) * time.Second * time.Duration(1+int(g)%5))
			inv = append(inv, Backup{Label: at.UTC().Format("20060102-150405F"), Stop: at, Restorable: i%7 != 3})
		}
		p := RetentionPolicy{Daily: int(daily), Weekly: int(weekly), Monthly: int(monthly), Yearly: int(yearly),
			Grace: time.Duration(grace%86400) * time.Second, Loc: loc, Next: daily02(loc), MaxAge: 30 * 24 * time.Hour}
		rep := CheckRetention(p, inv, nowT)
		if got, want := len(rep.Buckets), int(daily)+int(weekly)+int(monthly)+int(yearly); got != want {
			t.Fatalf("%d buckets, want %d", got, want)
		}
		filledBuckets := map[string]bool{}
		for _, x := range inv {
			if x.Restorable {
				for _, k := range []string{BucketDaily, BucketWeekly, BucketMonthly, BucketYearly} {
					filledBuckets[k+" "+bucketName(k, x.Stop.In(loc))] = true
				}
			}
		}
		seen := map[string]bool{}
		missing := 0
		for _, b := range rep.Buckets {
			key := b.Kind + " " + b.Name
			if seen[key] {
				t.Fatalf("bucket %s twice", key)
			}
			seen[key] = true
			filled := filledBuckets[key]
			if b.Missing == filled {
				t.Fatalf("bucket %s: missing %v, filled %v", key, b.Missing, filled)
			}
			if b.Missing {
				missing++
			}
		}
		if len(rep.Gaps) != missing {
			t.Fatalf("%d gaps for %d missing buckets", len(rep.Gaps), missing)
		}
	})
}
