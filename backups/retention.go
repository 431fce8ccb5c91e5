package backups

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Retention bucket kinds, in the order a report lists them.
const (
	BucketDaily   = "daily"
	BucketWeekly  = "weekly"
	BucketMonthly = "monthly"
	BucketYearly  = "yearly"
)

// RetentionPolicy is a stanza's grandfather-father-son policy with its
// defaults applied: how many consecutive calendar buckets, ending with
// the newest due one, must each hold a restorable backup.
type RetentionPolicy struct {
	Daily, Weekly, Monthly, Yearly int
	// MaxAge is the longest a backup may be kept; 0 is no limit.
	MaxAge time.Duration
	// Grace is how long after the bucket's first scheduled backup the
	// current bucket still does not count as missing.
	Grace time.Duration
	// Loc is the policy's time zone; nil is UTC.
	Loc *time.Location
	// Next is the backup schedule: the first scheduled time strictly
	// after t (cron.Schedule.Next). Nil means a bucket is due from its
	// start.
	Next func(t time.Time) time.Time
	// Since is the stanza's first known backup (the oldest stop ever
	// seen). Buckets before its bucket are building up, not missing:
	// the stanza had no backups yet. Zero: no such bound (a stanza with
	// no backup at all misses every bucket).
	Since time.Time
}

// RetentionBucket is one calendar bucket the policy requires.
type RetentionBucket struct {
	Kind string `json:"kind"`
	// Name is "2026-03-14", "2026-W11", "2026-03" or "2025".
	Name  string    `json:"name"`
	Start time.Time `json:"start"`
	// Labels are the restorable backups in the bucket, oldest first.
	Labels  []string `json:"labels"`
	Missing bool     `json:"missing"`
	// BuildingUp marks an empty bucket from before the stanza's first
	// backup: the policy's window is still filling, nothing is missing.
	BuildingUp bool `json:"building_up,omitempty"`
}

// RetentionReport is the policy checked against an inventory.
type RetentionReport struct {
	// Buckets are the required buckets, per kind newest first.
	Buckets []RetentionBucket `json:"buckets"`
	// Gaps name each missing bucket: "missing daily 2026-03-14".
	Gaps []string `json:"gaps"`
	// Overdue name each backup kept past MaxAge.
	Overdue []string `json:"overdue"`
}

// maxRetentionBuckets bounds the buckets one kind may require, so a
// policy typo (daily: 3000000) cannot make the check loop for long. Ten
// years of days is more than any policy asks for.
const maxRetentionBuckets = 3660

// CheckRetention checks policy p against the inventory at now. Only
// restorable backups without checksum errors fill a bucket; every backup,
// restorable or not, counts towards max_age (its data is still kept).
// The current bucket is required once it holds a backup or once its first
// scheduled backup plus grace has passed; until then the window of
// required buckets ends with the previous one.
func CheckRetention(p RetentionPolicy, inv []Backup, now time.Time) RetentionReport {
	loc := p.Loc
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	rep := RetentionReport{Gaps: []string{}, Overdue: []string{}}
	kinds := []struct {
		kind string
		n    int
	}{{BucketDaily, p.Daily}, {BucketWeekly, p.Weekly}, {BucketMonthly, p.Monthly}, {BucketYearly, p.Yearly}}
	for _, k := range kinds {
		n := min(max(k.n, 0), maxRetentionBuckets)
		if n == 0 {
			continue
		}
		have := map[string][]string{}
		for _, b := range inv {
			if b.Restorable && !b.Error && !b.Stop.IsZero() {
				name := bucketName(k.kind, b.Stop.In(loc))
				have[name] = append(have[name], b.Label)
			}
		}
		start := bucketStart(k.kind, now)
		if len(have[bucketName(k.kind, start)]) == 0 && now.Before(p.due(start).Add(p.Grace)) {
			start = prevBucket(k.kind, start)
		}
		var since time.Time
		if !p.Since.IsZero() {
			since = bucketStart(k.kind, p.Since.In(loc))
		}
		for range n {
			name := bucketName(k.kind, start)
			labels := slices.Clone(have[name])
			slices.Sort(labels)
			b := RetentionBucket{Kind: k.kind, Name: name, Start: start, Labels: labels, Missing: len(labels) == 0}
			if b.Missing && start.Before(since) {
				b.Missing, b.BuildingUp = false, true
			}
			if b.Labels == nil {
				b.Labels = []string{}
			}
			rep.Buckets = append(rep.Buckets, b)
			if b.Missing {
				rep.Gaps = append(rep.Gaps, "missing "+k.kind+" "+name)
			}
			start = prevBucket(k.kind, start)
		}
	}
	if p.MaxAge > 0 {
		sorted := slices.Clone(inv)
		slices.SortFunc(sorted, func(a, b Backup) int { return a.Stop.Compare(b.Stop) })
		for _, b := range sorted {
			if age := now.Sub(b.Stop); !b.Stop.IsZero() && age > p.MaxAge {
				rep.Overdue = append(rep.Overdue, fmt.Sprintf("backup %s kept past max_age %s (stopped %s)",
					b.Label, formatAge(p.MaxAge), b.Stop.In(loc).Format(time.DateOnly)))
			}
		}
	}
	return rep
}

// due is the first scheduled backup inside the bucket starting at start.
func (p RetentionPolicy) due(start time.Time) time.Time {
	if p.Next == nil {
		return start
	}
	return p.Next(start.Add(-time.Nanosecond))
}

// bucketStart returns the start (local midnight) of the bucket of kind
// holding t, in t's location.
func bucketStart(kind string, t time.Time) time.Time {
	y, m, d := t.Date()
	switch kind {
	case BucketWeekly:
		// ISO weeks start on Monday.
		return midnight(y, m, d-(int(t.Weekday())+6)%7, t.Location())
	case BucketMonthly:
		return midnight(y, m, 1, t.Location())
	case BucketYearly:
		return midnight(y, 1, 1, t.Location())
	}
	return midnight(y, m, d, t.Location())
}

// midnight returns the first instant of the date in loc. Where a zone's
// clocks jumped at midnight, time.Date may land on the previous day;
// then the day starts at the first whole hour that is on it.
func midnight(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	want := time.Date(y, m, d, 12, 0, 0, 0, time.UTC) // normalised y, m, d
	for h := 1; h < 24 && !sameDate(t, want); h++ {
		t = time.Date(y, m, d, h, 0, 0, 0, loc)
	}
	return t
}

func sameDate(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// prevBucket returns the start of the bucket before the one starting at
// start: the bucket of the instant just before it, so DST days of 23 or 25
// hours stay one bucket each, and a day a zone skipped (Samoa's
// 2011-12-30) is no bucket at all.
func prevBucket(kind string, start time.Time) time.Time {
	p := bucketStart(kind, start.Add(-time.Nanosecond))
	if !p.Before(start) {
		// A zone whose midnight falls in a gap can normalise forward;
		// never return the same bucket twice.
		p = bucketStart(kind, start.Add(-26*time.Hour))
	}
	return p
}

// bucketName names t's bucket of kind; weeks by ISO year and week, so
// 2027-01-01 (a Friday) is in 2026-W53.
func bucketName(kind string, t time.Time) string {
	switch kind {
	case BucketWeekly:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case BucketMonthly:
		return t.Format("2006-01")
	case BucketYearly:
		return t.Format("2006")
	}
	return t.Format(time.DateOnly)
}

// formatAge prints a duration in days when it is whole days ("90d").
func formatAge(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return strings.TrimSuffix(d.String(), "0s")
}
