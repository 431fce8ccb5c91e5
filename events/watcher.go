package events

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sort"
	"strconv"
	"time"
)

// Snapshot is what the Watcher sees of the running ward at one moment.
// app builds it from the alert pipeline, the health report and the
// scrape manager.
type Snapshot struct {
	Alerts  []AlertState
	Checks  []CheckState
	Targets []TargetState
	// Silences counts the silences in force.
	Silences int
	// Other is the rest of what the console shows that changes (rule
	// health, pending alerts), as opaque strings: a change updates live
	// pages but records no event.
	Other []string
}

// AlertState is one alert held by the pipeline.
type AlertState struct {
	Fingerprint string
	Name        string
	Severity    string
	StartsAt    time.Time
	// Summary is its summary annotation, if any.
	Summary string
	// Muted says a silence or an inhibition holds it back.
	Muted  bool
	Labels map[string]string
}

// CheckState is one check or one of ward's components.
type CheckState struct {
	Name string
	// Status is "pending", "up" or "down".
	Status   string
	Critical bool
	Error    string
}

// TargetState is one scrape target.
type TargetState struct {
	Job, Instance string
	// Health is "up", "down" or "unknown" (not scraped yet).
	Health string
	Error  string
}

func (t TargetState) key() string { return t.Job + "\x00" + t.Instance }

// Source takes a snapshot.
type Source func(ctx context.Context) Snapshot

// Watcher records the transitions between snapshots taken every
// interval, and announces a new version of what the console shows when
// anything in it changed (for live pages).
type Watcher struct {
	source   Source
	log      *Log
	onChange func(version uint64)
	interval time.Duration
	now      func() time.Time
	logger   *slog.Logger

	// The previous snapshot, by identity; nil before the first one.
	alerts  map[string]AlertState
	checks  map[string]CheckState
	targets map[string]TargetState
	// everUp remembers the targets and checks seen up since start, to
	// tell one that went down from one that never came up.
	everUp map[string]bool
	// downSince is when each check or target was seen going down, and
	// reported whether that was recorded: a recovery is news only after
	// a recorded failure (the TSDB is "down" until its first sample at
	// every start).
	downSince map[string]time.Time
	reported  map[string]bool

	hash    uint64
	version uint64
}

// WatcherOptions configure a Watcher.
type WatcherOptions struct {
	Source Source
	Log    *Log
	// OnChange, if set, is called with a new version whenever what the
	// console shows changed, and once at the first snapshot.
	OnChange func(version uint64)
	// Interval between snapshots; 0 means a second.
	Interval time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
}

// NewWatcher returns a Watcher.
func NewWatcher(o WatcherOptions) *Watcher {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Watcher{
		source: o.Source, log: o.Log, onChange: o.OnChange, interval: o.Interval, now: o.Now, logger: o.Logger,
		everUp: map[string]bool{}, downSince: map[string]time.Time{}, reported: map[string]bool{},
	}
}

// Run takes a snapshot every interval until ctx ends.
func (w *Watcher) Run(ctx context.Context) error {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		w.Step(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Step takes one snapshot, records its transitions and announces a
// change. It returns the events recorded.
func (w *Watcher) Step(ctx context.Context) []Event {
	s := w.source(ctx)
	if ctx.Err() != nil {
		return nil
	}
	evs := w.transitions(s)
	if len(evs) > MaxBatch {
		more := len(evs) - (MaxBatch - 1)
		evs = append(evs[:MaxBatch-1], Event{Time: w.now(), Kind: evs[MaxBatch-1].Kind, Severity: SeverityWarning, Subject: "ward",
			Text: fmt.Sprintf("%d more changes at once were not recorded one by one", more)})
	}
	w.log.Record(evs...)
	if h := w.fingerprint(s); h != w.hash || w.version == 0 {
		w.hash = h
		w.version++
		if w.onChange != nil {
			w.onChange(w.version)
		}
	}
	return evs
}

// transitions compares s with the previous snapshot and keeps s as the
// next one. The first snapshot is only remembered: what was already
// firing, failing or up when ward started is not news, and neither is
// the recovery of what failed then.
func (w *Watcher) transitions(s Snapshot) []Event {
	first := w.alerts == nil
	now := w.now()
	var evs []Event

	alerts := make(map[string]AlertState, len(s.Alerts))
	for _, a := range s.Alerts {
		alerts[a.Fingerprint] = a
		if _, was := w.alerts[a.Fingerprint]; !was && !first {
			evs = append(evs, alertFired(now, a))
		}
	}
	for _, fp := range sortedMapKeys(w.alerts) {
		if _, still := alerts[fp]; !still {
			evs = append(evs, alertResolved(now, w.alerts[fp]))
		}
	}

	checks := make(map[string]CheckState, len(s.Checks))
	for _, c := range s.Checks {
		checks[c.Name] = c
		prev, seen := w.checks[c.Name]
		key := "check\x00" + c.Name
		if c.Status == "up" {
			if prev.Status == "down" && w.reported[key] {
				evs = append(evs, w.checkRecovered(now, key, c))
			}
			delete(w.downSince, key)
			delete(w.reported, key)
			w.everUp[key] = true
			continue
		}
		if c.Status == "down" && (!seen || prev.Status != "down") {
			w.downSince[key] = now
			if !first {
				evs = append(evs, w.checkFailed(now, key, c))
				w.reported[key] = true
			}
		}
	}

	targets := make(map[string]TargetState, len(s.Targets))
	for _, t := range s.Targets {
		k := t.key()
		targets[k] = t
		prev, seen := w.targets[k]
		key := "target\x00" + k
		switch t.Health {
		case "up":
			if seen && prev.Health == "down" && w.reported[key] {
				evs = append(evs, w.targetUp(now, key, t))
			}
			delete(w.downSince, key)
			delete(w.reported, key)
			w.everUp[key] = true
		case "down":
			if !seen || prev.Health != "down" {
				w.downSince[key] = now
				if !first {
					evs = append(evs, w.targetDown(now, key, t))
					w.reported[key] = true
				}
			}
		}
	}
	w.alerts, w.checks, w.targets = alerts, checks, targets
	return evs
}

func alertFired(now time.Time, a AlertState) Event {
	text := a.Name + " is firing"
	if a.Summary != "" {
		text += ": " + a.Summary
	}
	if a.Muted {
		text += " (silenced or inhibited: nobody is notified)"
	}
	return Event{Time: now, Kind: AlertFiring, Severity: SeverityOf(a.Severity), Subject: a.Name, Text: text, Labels: a.Labels}
}

func alertResolved(now time.Time, a AlertState) Event {
	text := a.Name + " resolved"
	if !a.StartsAt.IsZero() && now.After(a.StartsAt) {
		text += " after " + roundDuration(now.Sub(a.StartsAt))
	}
	return Event{Time: now, Kind: AlertResolved, Severity: SeverityOK, Subject: a.Name, Text: text, Labels: a.Labels}
}

func (w *Watcher) checkFailed(now time.Time, key string, c CheckState) Event {
	sev := SeverityWarning
	if c.Critical {
		sev = SeverityCritical
	}
	text := "check " + c.Name + " failed"
	if !w.everUp[key] {
		text = "check " + c.Name + " has not passed since ward started"
	}
	if c.Error != "" {
		text += ": " + c.Error
	}
	return Event{Time: now, Kind: CheckChanged, Severity: sev, Subject: c.Name, Text: text, Labels: map[string]string{"status": c.Status}}
}

func (w *Watcher) checkRecovered(now time.Time, key string, c CheckState) Event {
	text := "check " + c.Name + " passes again"
	if since, ok := w.downSince[key]; ok {
		text += " after " + roundDuration(now.Sub(since)) + " failing"
	}
	return Event{Time: now, Kind: CheckChanged, Severity: SeverityOK, Subject: c.Name, Text: text, Labels: map[string]string{"status": c.Status}}
}

func targetLabels(t TargetState) map[string]string {
	return map[string]string{"job": t.Job, "instance": t.Instance}
}

func (w *Watcher) targetDown(now time.Time, key string, t TargetState) Event {
	text := t.Instance + " (" + t.Job + ") went down"
	if !w.everUp[key] {
		text = t.Instance + " (" + t.Job + ") has never been up since ward started"
	}
	if t.Error != "" {
		text += ": " + t.Error
	}
	return Event{Time: now, Kind: TargetDown, Severity: SeverityCritical, Subject: t.Job + " " + t.Instance, Text: text, Labels: targetLabels(t)}
}

func (w *Watcher) targetUp(now time.Time, key string, t TargetState) Event {
	text := t.Instance + " (" + t.Job + ") is back up"
	if !w.everUp[key] {
		text = t.Instance + " (" + t.Job + ") is up for the first time since ward started"
	}
	if since, ok := w.downSince[key]; ok {
		text += " after " + roundDuration(now.Sub(since)) + " down"
	}
	return Event{Time: now, Kind: TargetUp, Severity: SeverityOK, Subject: t.Job + " " + t.Instance, Text: text, Labels: targetLabels(t)}
}

// fingerprint hashes what the console shows of s, and how many events
// were recorded: the version changes when either does.
func (w *Watcher) fingerprint(s Snapshot) uint64 {
	h := fnv.New64a()
	put := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
	}
	var lines []string
	for _, a := range s.Alerts {
		lines = append(lines, "a"+a.Fingerprint+strconv.FormatBool(a.Muted))
	}
	for _, c := range s.Checks {
		lines = append(lines, "c"+c.Name+"\x00"+c.Status)
	}
	for _, t := range s.Targets {
		lines = append(lines, "t"+t.key()+"\x00"+t.Health)
	}
	lines = append(lines, s.Other...)
	sort.Strings(lines)
	put(lines...)
	put(strconv.Itoa(s.Silences), strconv.FormatUint(w.log.Recorded(), 10))
	return h.Sum64()
}

// roundDuration renders d to a readable precision: 45s, 12m, 3h20m, 2d4h.
func roundDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return strconv.Itoa(int(d.Round(time.Minute)/time.Minute)) + "m"
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	d = d.Round(time.Hour)
	return fmt.Sprintf("%dd%dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
