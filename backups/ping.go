package backups

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/secret"
)

// Watched jobs (issue 12): jobs that run elsewhere and report by
// Healthchecks-style pings.
//
// The seam with the Manager is pings' unexported methods: the Manager
// builds one with newPings, hands every config to apply, delegates
// Service.Ping to ping, calls tick about every 10 seconds (missed and
// overrun runs are found there), and asks statuses() for the jobs part of
// Status. Runs go to the run store like the Manager's own jobs, so List,
// Get and the success rate see them too.

// Limits of watched jobs.
const (
	// maxOpenRuns bounds the started, unfinished runs of one job (runs
	// told apart by ?rid=); the oldest is failed to make room.
	maxOpenRuns = 16
	// maxRIDLen bounds a run id; Healthchecks uses UUIDs (36).
	maxRIDLen = 64
	// sizeWindow is how many earlier successes the size check compares
	// with; minSizeHistory how many of them must report a size.
	sizeWindow     = 7
	minSizeHistory = 3
)

// pingDeps is what the Manager gives pings.
type pingDeps struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Put stores a running run (new or updated); Started marks its job
	// running in the job metrics.
	Put     func(Run) error
	Started func(job string)
	// Record stores a finished run and exports it through the job
	// metrics (Manager.record).
	Record func(Run) error
	// Recent returns up to n runs of job, newest first (store.recent).
	Recent func(job string, kind RunKind, n int) []Run
}

// watchedSpec is a watched job's configuration, parsed.
type watchedSpec struct {
	cfg      config.WatchedJob
	schedule cron.Schedule // nil: Period
	sizeDrop float64
}

// watched is one watched job's state.
type watched struct {
	spec watchedSpec
	// open are the started, unfinished runs by rid ("" without one).
	open map[string]Run
	// anchor is the newest of: the last start or finish ping, the last
	// missed slot, and when watching began. The next ping is expected
	// at the schedule's next time after it.
	anchor time.Time
	// missed is true from a missed slot until the next finished run.
	missed bool
	// last is the newest finished run (nil: none yet).
	last *Run
}

// pings is the watched jobs' state machine.
type pings struct {
	deps pingDeps

	mu     sync.Mutex
	jobs   map[string]*watched   // by name
	tokens map[[32]byte]*watched // by the token's SHA-256
}

func newPings(deps pingDeps) *pings {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Started == nil {
		deps.Started = func(string) {}
	}
	return &pings{deps: deps, jobs: map[string]*watched{}, tokens: map[[32]byte]*watched{}}
}

// apply switches to cfg's watched jobs (validated, defaults applied).
// A job whose name stays keeps its state; a new one starts watching now,
// or from its newest stored run. If any token cannot be read nothing
// changes, and the error names the job and key.
func (p *pings) apply(cfg []config.WatchedJob) error {
	now := p.deps.Now()
	jobs := make(map[string]*watched, len(cfg))
	tokens := make(map[[32]byte]*watched, len(cfg))
	p.mu.Lock()
	old := p.jobs
	p.mu.Unlock()
	for i, c := range cfg {
		spec, err := parseWatched(c)
		if err != nil {
			return fmt.Errorf("backups.watched[%d] (%s): %w", i, c.Name, err)
		}
		tok, err := secret.Read(c.TokenEnv, c.TokenFile)
		if err != nil {
			return fmt.Errorf("backups.watched[%d] (%s): token: %w", i, c.Name, err)
		}
		if tok == "" {
			return fmt.Errorf("backups.watched[%d] (%s): token: empty", i, c.Name)
		}
		w, ok := old[c.Name]
		if !ok {
			w = p.restore(spec, now)
		}
		w = &watched{spec: spec, open: w.open, anchor: w.anchor, missed: w.missed, last: w.last}
		jobs[c.Name] = w
		tokens[sha256.Sum256([]byte(tok))] = w
	}
	p.mu.Lock()
	p.jobs, p.tokens = jobs, tokens
	p.mu.Unlock()
	return nil
}

// parseWatched parses c's schedule.
func parseWatched(c config.WatchedJob) (watchedSpec, error) {
	s := watchedSpec{cfg: c, sizeDrop: config.DefaultBackupSizeDrop}
	if c.SizeDrop != nil {
		s.sizeDrop = *c.SizeDrop
	}
	if c.Schedule != "" {
		sched, err := config.ParseBackupSchedule(c.Schedule, c.TimeZone)
		if err != nil {
			return s, fmt.Errorf("schedule: %w", err)
		}
		s.schedule = sched
	} else if c.Period <= 0 {
		return s, fmt.Errorf("schedule or period: required")
	}
	return s, nil
}

// restore rebuilds a job's state from its stored runs, so a restart
// neither forgets a started run nor reports a missed slot twice.
func (p *pings) restore(spec watchedSpec, now time.Time) *watched {
	w := &watched{spec: spec, open: map[string]Run{}, anchor: now}
	runs := p.deps.Recent(spec.cfg.Name, KindBackup, maxOpenRuns+1)
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.Trigger != TriggerPing {
			continue
		}
		switch r.State {
		case StateRunning:
			w.open[r.RID] = r
		case StateMissed:
			w.missed = true
			w.last = &r
		default:
			w.missed = false
			w.last = &r
		}
	}
	if len(runs) > 0 {
		w.anchor = runs[0].Started
		w.answered(runs[0].Scheduled, runs[0].Started)
	}
	return w
}

// known says whether token names a watched job, by its hash as ping.
func (p *pings) known(token string) bool {
	h := sha256.Sum256([]byte(token))
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.tokens[h]
	return ok
}

// ping records one ping. It returns ErrUnknownToken for a token that
// names no job: the lookup is by the token's hash, so its time does not
// depend on how much of a token matched.
func (p *pings) ping(_ context.Context, pg Ping) error {
	if len(pg.RID) > maxRIDLen {
		return fmt.Errorf("%w: rid: longer than %d", ErrRefused, maxRIDLen)
	}
	if pg.Kind == PingExit && (pg.Exit < 0 || pg.Exit > 255) {
		return fmt.Errorf("%w: exit code %d: want 0-255", ErrRefused, pg.Exit)
	}
	if pg.At.IsZero() {
		pg.At = p.deps.Now()
	}
	if len(pg.Body) > MaxPingBody {
		pg.Body = pg.Body[:MaxPingBody]
	}
	h := sha256.Sum256([]byte(pg.Token))
	p.mu.Lock()
	defer p.mu.Unlock()
	w, ok := p.tokens[h]
	if !ok {
		return ErrUnknownToken
	}
	switch pg.Kind {
	case PingStart:
		return p.start(w, pg)
	case PingLog:
		return p.log(w, pg)
	case PingSuccess, PingFail, PingExit:
		return p.finish(w, pg)
	}
	return fmt.Errorf("%w: ping kind %q", ErrRefused, pg.Kind)
}

// start opens a run. A start for a rid that is already open fails the
// open run first (it never reported its end).
func (p *pings) start(w *watched, pg Ping) error {
	if prev, ok := w.open[pg.RID]; ok {
		if err := p.close(w, prev, StateFailed, pg.At, "started again before it finished"); err != nil {
			return err
		}
	}
	if len(w.open) >= maxOpenRuns {
		oldest := ""
		for rid, r := range w.open {
			if oldest == "" || r.Started.Before(w.open[oldest].Started) {
				oldest = rid
			}
		}
		if err := p.close(w, w.open[oldest], StateFailed, pg.At, fmt.Sprintf("over %d runs open at once", maxOpenRuns)); err != nil {
			return err
		}
	}
	r := Run{
		ID: newRunID(pg.At), Kind: KindBackup, State: StateRunning, Trigger: TriggerPing,
		Job: w.spec.cfg.Name, Scheduled: p.slot(w, pg.At), Started: pg.At, Log: string(pg.Body),
	}
	if pg.RID != "" {
		r.RID = pg.RID
	}
	if err := p.deps.Put(r); err != nil {
		return fmt.Errorf("backups: ping %s: %w", w.spec.cfg.Name, err)
	}
	p.deps.Started(r.Job)
	w.open[pg.RID] = r
	w.answered(r.Scheduled, pg.At)
	return nil
}

// log appends the body to the open run's log; without one it is dropped
// (a /log changes no state).
func (p *pings) log(w *watched, pg Ping) error {
	r, ok := w.open[pg.RID]
	if !ok || len(pg.Body) == 0 {
		return nil
	}
	r.Log = tailString(r.Log+"\n"+string(pg.Body), MaxLogBytes)
	if err := p.deps.Put(r); err != nil {
		return fmt.Errorf("backups: ping %s: %w", w.spec.cfg.Name, err)
	}
	w.open[pg.RID] = r
	return nil
}

// finish ends the open run of the ping's rid, or records a run that
// only reported its end.
func (p *pings) finish(w *watched, pg Ping) error {
	r, ok := w.open[pg.RID]
	if ok {
		delete(w.open, pg.RID)
		if len(pg.Body) > 0 {
			r.Log = tailString(r.Log+"\n"+string(pg.Body), MaxLogBytes)
		}
	} else {
		r = Run{
			ID: newRunID(pg.At), Kind: KindBackup, Trigger: TriggerPing, Job: w.spec.cfg.Name,
			Scheduled: p.slot(w, pg.At), Started: pg.At, Log: string(pg.Body),
		}
		if pg.RID != "" {
			r.RID = pg.RID
		}
	}
	r.Finished = pg.At
	r.State = StateSuccess
	switch pg.Kind {
	case PingFail:
		r.State, r.Error = StateFailed, "reported failure (/fail)"
	case PingExit:
		code := pg.Exit
		r.ExitCode = &code
		if code != 0 {
			r.State, r.Error = StateFailed, fmt.Sprintf("exit code %d", code)
		}
	}
	if n, ok := bodyBytes(pg.Body); ok {
		r.Bytes = n
	}
	if r.State == StateSuccess {
		r.Suspicious = p.suspicious(w, r)
	}
	if err := p.deps.Record(r); err != nil {
		return fmt.Errorf("backups: ping %s: %w", w.spec.cfg.Name, err)
	}
	p.stillRunning(w)
	w.answered(r.Scheduled, pg.At)
	w.missed = false
	w.last = &r
	return nil
}

// stillRunning marks the job running again when other runs (other rids)
// are still open: recording a finished run marks it not running.
func (p *pings) stillRunning(w *watched) {
	if len(w.open) > 0 {
		p.deps.Started(w.spec.cfg.Name)
	}
}

// close ends an open run without a ping (overrun, replaced).
func (p *pings) close(w *watched, r Run, state RunState, at time.Time, why string) error {
	r.State, r.Finished, r.Error = state, at, why
	delete(w.open, r.RID)
	if err := p.deps.Record(r); err != nil {
		return fmt.Errorf("backups: ping %s: %w", w.spec.cfg.Name, err)
	}
	p.stillRunning(w)
	w.last = &r
	return nil
}

// suspicious says why a successful run r looks wrong: too fast, too
// small against the median of the last successes, or one run too many in
// its period. Each reason starts with its metric label (fast, small,
// too_many_runs) and a colon, as the Manager's jobs' do.
func (p *pings) suspicious(w *watched, r Run) []string {
	var why []string
	c := w.spec.cfg
	if min := time.Duration(c.MinDuration); min > 0 && r.Started.Equal(r.Finished) {
		// A finish ping without a start: how long it ran is unknown, so
		// min_duration cannot vouch for it.
		why = append(why, fmt.Sprintf("%s: no start ping: duration unknown (min_duration %s)", "fast", min))
	} else if min > 0 {
		if d := r.Finished.Sub(r.Started); d < min {
			why = append(why, fmt.Sprintf("%s: finished in %s, under min_duration %s", "fast", d.Round(time.Millisecond), min))
		}
	}
	prev := p.deps.Recent(c.Name, KindBackup, 64)
	if w.spec.sizeDrop > 0 && r.Bytes > 0 {
		var sizes []int64
		for _, q := range prev {
			if q.ID != r.ID && q.State == StateSuccess && q.Bytes > 0 && len(sizes) < sizeWindow {
				sizes = append(sizes, q.Bytes)
			}
		}
		if len(sizes) >= minSizeHistory {
			m := median(sizes)
			if float64(r.Bytes) < w.spec.sizeDrop*float64(m) {
				why = append(why, fmt.Sprintf("%s: %d bytes, under %.0f%% of the %d-run median %d", "small", r.Bytes, 100*w.spec.sizeDrop, len(sizes), m))
			}
		}
	}
	if c.MaxRuns > 0 {
		period := p.period(w, r.Finished)
		n := 1
		for _, q := range prev {
			if q.ID != r.ID && q.State != StateMissed && q.Started.After(r.Finished.Add(-period)) && !q.Started.After(r.Finished) {
				n++
			}
		}
		if n > c.MaxRuns {
			why = append(why, fmt.Sprintf("%s: %d runs within %s, over max_runs %d", "too_many_runs", n, period, c.MaxRuns))
		}
	}
	return why
}

// answered moves the anchor past a ping at t answering slot (zero:
// none). With a cron schedule the slot itself is passed, so a job that
// pings a little before its time (clock skew) is not then missed for it.
func (w *watched) answered(slot, t time.Time) {
	w.anchor = maxTime(w.anchor, t)
	if w.spec.schedule != nil && !slot.IsZero() {
		w.anchor = maxTime(w.anchor, slot)
	}
}

// next is when the next ping is expected after t.
func (w *watched) next(t time.Time) time.Time {
	if w.spec.schedule != nil {
		return w.spec.schedule.Next(t)
	}
	return t.Add(time.Duration(w.spec.cfg.Period))
}

// slot is the scheduled time a ping at t answers: the schedule's next
// time after the anchor (the previous ping or missed slot).
func (p *pings) slot(w *watched, t time.Time) time.Time {
	s := w.next(w.anchor)
	if s.After(t.Add(time.Duration(w.spec.cfg.StartGrace))) {
		return time.Time{} // early or extra: answers no slot yet
	}
	return s
}

// period is the schedule's interval around t (for max_runs).
func (p *pings) period(w *watched, t time.Time) time.Duration {
	if w.spec.schedule == nil {
		return time.Duration(w.spec.cfg.Period)
	}
	a := w.spec.schedule.Next(t)
	return w.spec.schedule.Next(a).Sub(a)
}

// bodyBytes reads the size from a ping body: the last line that is
// exactly "bytes=N" (N decimal digits). Only a whole line counts, and the
// last one wins, so a job's ordinary output ("... bytes=5 ...") cannot
// set the size, and `ward backup run` puts its line last.
func bodyBytes(body []byte) (int64, bool) {
	var n int64
	found := false
	for line := range bytes.Lines(body) {
		v, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r\n"), []byte("bytes="))
		if !ok || len(v) == 0 || len(v) > 19 || bytes.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			continue
		}
		if v, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			n, found = v, true
		}
	}
	return n, found
}

func median(v []int64) int64 {
	s := append([]int64(nil), v...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
