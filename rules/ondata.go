package rules

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	promrules "github.com/prometheus/prometheus/rules"
)

// Data-triggered evaluation. Most of an alert's latency is waiting: for
// the next scrape, then for the rule group's tick, which runs on its own
// clock. ward writes the samples and evaluates the rules in one process,
// so it evaluates an `evaluation: on_data` group as soon as a scrape (or
// a health check's change of state) commits series the group's rules
// select, instead of waiting for the tick.
//
// Group semantics are Prometheus': a triggered evaluation is
// promrules.DefaultEvalIterationFunc at one timestamp (now), rules in
// file order, so recording rules run before the alerts that read them;
// `for` and `keep_firing_for` compare evaluation timestamps, which are
// real time either way. Triggered and ticked evaluations of one group
// take the same lock, never overlap, and never go back in time. The
// group's tick stays the fallback: it is skipped only when a triggered
// evaluation ran within the interval before it, so the group still
// evaluates at least once per interval and, when its scrapes trigger it
// once per interval, no more often than on ticks alone.
//
// Bound: at most one triggered evaluation per group per scrape interval
// of the source that triggered it; a trigger inside that window is
// deferred to its end (coalesced with any others), not dropped. One
// exception: a change of state (a target's up flipped, a check went down
// or up) is evaluated at once even inside the window. Otherwise, with
// many targets triggering one group (TargetDown reads every target's
// up), the window would be taken by whichever target scraped first and
// a dying target would wait for up to a whole interval more. Changes of
// state are rare, so the extra evaluations they cost are too.

// onData runs the triggered evaluations of a Manager's groups.
type onData struct {
	logger  *slog.Logger
	running atomic.Bool
	idx     atomic.Pointer[selIndex]

	mu     sync.Mutex
	groups map[string]*groupState // by promrules.GroupKey

	triggered *prometheus.CounterVec
	deferred  *prometheus.CounterVec
	skipped   *prometheus.CounterVec
}

// groupState is one group's triggering state; it outlives reloads that
// keep the group's file and name.
type groupState struct {
	key string
	// evalMu serialises the group's evaluations, ticked and triggered.
	evalMu sync.Mutex
	// lastEval is the timestamp of the latest evaluation; under evalMu.
	lastEval time.Time

	mu   sync.Mutex
	g    *promrules.Group // nil while a reload replaces the groups
	mode EvalMode
	ctx  context.Context
	// lastTrig is when the latest triggered evaluation started.
	lastTrig time.Time
	// pending: a triggered evaluation is scheduled (fire clears it as
	// it starts); since is when the first trigger it answers arrived.
	pending bool
	since   time.Time
	timer   *time.Timer
}

// selIndex maps metric names to the on_data groups whose rules select
// them. It is immutable; a reload swaps in a new one with a new gen.
type selIndex struct {
	gen    uint64
	byName map[string][]selector
	// other are selectors without a metric name equality ({__name__=~…}
	// or none at all): matched name by name.
	other []selector
}

// selector is one vector selector of one group's rules, reduced to what
// a commit can be matched on: the metric name and the job label.
type selector struct {
	st   *groupState
	name *labels.Matcher // nil: any name (other only)
	job  *labels.Matcher // nil: any job
}

func newOnData(logger *slog.Logger, reg prometheus.Registerer) *onData {
	od := &onData{
		logger: logger,
		groups: map[string]*groupState{},
		triggered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_rule_group_data_evaluations_total",
			Help: "Rule group evaluations triggered by a scrape or health check writing series the group selects (evaluation: on_data).",
		}, []string{"rule_group"}),
		deferred: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_rule_group_data_triggers_deferred_total",
			Help: "Data triggers that came within one scrape interval of the group's previous triggered evaluation and waited for the interval's end.",
		}, []string{"rule_group"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_rule_group_ticks_skipped_total",
			Help: "Ticks of on_data rule groups skipped because a triggered evaluation ran within the interval before them.",
		}, []string{"rule_group"}),
	}
	od.idx.Store(&selIndex{})
	if reg != nil {
		reg.MustRegister(od.triggered, od.deferred, od.skipped)
	}
	return od
}

// pause detaches every group before the rule manager replaces them and
// waits for triggered evaluations in flight: Prometheus copies a group's
// state into its successor, which must not race with an evaluation.
func (od *onData) pause() {
	od.mu.Lock()
	states := make([]*groupState, 0, len(od.groups))
	for _, st := range od.groups {
		states = append(states, st)
	}
	od.mu.Unlock()
	for _, st := range states {
		st.mu.Lock()
		st.g = nil
		if st.timer != nil && st.timer.Stop() {
			st.pending = false
		}
		st.mu.Unlock()
		st.evalMu.Lock()
		//lint:ignore SA2001 waiting for an evaluation in flight to end
		st.evalMu.Unlock()
	}
}

// rebuild attaches the manager's current groups and indexes their
// selectors. modes holds the explicit `evaluation:` settings by group key.
func (od *onData) rebuild(groups []*promrules.Group, modes map[string]EvalMode) {
	od.mu.Lock()
	defer od.mu.Unlock()
	next := &selIndex{gen: od.idx.Load().gen + 1, byName: map[string][]selector{}}
	states := make(map[string]*groupState, len(groups))
	for _, g := range groups {
		key := promrules.GroupKey(g.File(), g.Name())
		st := od.groups[key]
		if st == nil {
			st = &groupState{key: key}
		}
		states[key] = st
		mode, ok := modes[key]
		if !ok {
			mode = EvalInterval
			if len(g.AlertingRules()) > 0 {
				mode = EvalOnData
			}
		}
		st.mu.Lock()
		st.g, st.mode = g, mode
		st.ctx = promql.NewOriginContext(context.Background(), map[string]any{
			"ruleGroup": map[string]string{"file": g.File(), "name": g.Name()},
		})
		st.mu.Unlock()
		if mode == EvalOnData {
			next.add(st, g)
		}
	}
	for key, st := range od.groups {
		if states[key] == nil {
			od.triggered.DeleteLabelValues(st.key)
			od.deferred.DeleteLabelValues(st.key)
			od.skipped.DeleteLabelValues(st.key)
		}
	}
	od.groups = states
	od.idx.Store(next)
}

// add indexes every vector selector of g's rules.
func (x *selIndex) add(st *groupState, g *promrules.Group) {
	for _, r := range g.Rules() {
		for _, ms := range parser.ExtractSelectors(r.Query()) {
			s := selector{st: st}
			for _, m := range ms {
				switch m.Name {
				case model.MetricNameLabel:
					s.name = m
				case "job":
					s.job = m
				}
			}
			if s.name != nil && s.name.Type == labels.MatchEqual {
				x.byName[s.name.Value] = append(x.byName[s.name.Value], s)
			} else {
				x.other = append(x.other, s)
			}
		}
	}
}

// wants reports whether a commit of metric name may trigger a group.
func (x *selIndex) wants(name string) bool {
	if _, ok := x.byName[name]; ok {
		return true
	}
	for _, s := range x.other {
		if s.name == nil || s.name.Matches(name) {
			return true
		}
	}
	return false
}

// Watched returns what triggers evaluations now: gen changes whenever the
// rules do, and wants reports whether a metric name is selected by an
// on_data group. Scrapes call it once per commit, not per sample.
func (m *Manager) Watched() (gen uint64, wants func(name string) bool) {
	x := m.ondata.idx.Load()
	return x.gen, x.wants
}

// Committed tells the rule manager that a source committed samples of
// names (those Watched wanted; more are ignored): a scrape of a target of
// job, or a health check (job ""; its series have no job label). The
// on_data groups selecting them evaluate now, or at the end of their
// window of one interval (the source's) since their previous triggered
// evaluation; now in any case when changed (the source's state changed).
func (m *Manager) Committed(job string, names []string, interval time.Duration, changed bool) {
	od := m.ondata
	if !od.running.Load() || len(names) == 0 {
		return
	}
	x := od.idx.Load()
	var hit []*groupState
	match := func(s selector) {
		if s.job != nil && !s.job.Matches(job) {
			return
		}
		for _, h := range hit {
			if h == s.st {
				return
			}
		}
		hit = append(hit, s.st)
	}
	for _, n := range names {
		for _, s := range x.byName[n] {
			match(s)
		}
		for _, s := range x.other {
			if s.name == nil || s.name.Matches(n) {
				match(s)
			}
		}
	}
	for _, st := range hit {
		od.trigger(st, interval, changed)
	}
}

// trigger schedules a triggered evaluation of st.
func (od *onData) trigger(st *groupState, interval time.Duration, changed bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.g == nil {
		return
	}
	if st.pending {
		if !changed {
			return
		}
		if st.timer == nil {
			// A fire is queued and has not read the data yet (a running
			// one has cleared pending, and this commit takes the path
			// below): it will see this commit.
			return
		}
		if !st.timer.Stop() {
			return // firing now
		}
		st.timer = nil
		go od.fire(st)
		return
	}
	now := time.Now()
	st.pending, st.since = true, now
	if wait := st.lastTrig.Add(interval).Sub(now); wait > 0 && !changed {
		od.deferred.WithLabelValues(st.key).Inc()
		st.timer = time.AfterFunc(wait, func() { od.fire(st) })
		return
	}
	go od.fire(st)
}

// fire runs one triggered evaluation of st, unless a tick has evaluated
// the group since the trigger came.
func (od *onData) fire(st *groupState) {
	st.evalMu.Lock()
	defer st.evalMu.Unlock()
	st.mu.Lock()
	g, ctx, since := st.g, st.ctx, st.since
	st.pending, st.timer = false, nil
	if g == nil || !od.running.Load() || st.lastEval.After(since) {
		st.mu.Unlock()
		return
	}
	now := time.Now()
	st.lastTrig = now
	st.mu.Unlock()
	ts := now
	if !ts.After(st.lastEval) {
		// Never behind the previous evaluation: its samples would be
		// out of order.
		ts = st.lastEval.Add(time.Millisecond)
	}
	promrules.DefaultEvalIterationFunc(ctx, g, ts)
	st.lastEval = ts
	od.triggered.WithLabelValues(st.key).Inc()
}

// iterate is every group's GroupEvalIterationFunc: the group's tick.
func (od *onData) iterate(ctx context.Context, g *promrules.Group, ts time.Time) {
	od.mu.Lock()
	st := od.groups[promrules.GroupKey(g.File(), g.Name())]
	od.mu.Unlock()
	if st == nil {
		// Before the first rebuild (the manager's first load).
		promrules.DefaultEvalIterationFunc(ctx, g, ts)
		return
	}
	st.evalMu.Lock()
	defer st.evalMu.Unlock()
	st.mu.Lock()
	recent := st.mode == EvalOnData && st.lastTrig.After(ts.Add(-g.Interval()))
	st.mu.Unlock()
	if recent || !ts.After(st.lastEval) {
		od.skipped.WithLabelValues(st.key).Inc()
		return
	}
	promrules.DefaultEvalIterationFunc(ctx, g, ts)
	st.lastEval = ts
}

// start lets triggers evaluate; stop ends that and cancels deferred ones.
func (od *onData) start() { od.running.Store(true) }

func (od *onData) stop() {
	od.running.Store(false)
	od.pause()
}
