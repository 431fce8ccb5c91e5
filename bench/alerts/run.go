package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is what one run measured on one stack.
type result struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// ScrapeIntervalS and EvalIntervalS are the configured intervals the
	// latency goal is derived from.
	ScrapeIntervalS float64 `json:"scrape_interval_s"`
	EvalIntervalS   float64 `json:"evaluation_interval_s"`

	Alerts  []sample  `json:"alerts"`
	Missing []string  `json:"missing,omitempty"`
	WarmupS []float64 `json:"warmup_latency_s"`
	Latency summary   `json:"latency"`
	// The latency split at the first scrape that saw the flip and at the
	// evaluation that made the alert active (activeAt): waiting for the
	// scrape, then for the rule evaluation, then rule evaluation work and
	// the whole notification path.
	ScrapeWait summary `json:"scrape_wait"`
	EvalWait   summary `json:"eval_wait"`
	Notify     summary `json:"notify"`
	// FlipToEval is the first two together: what the plan fixes.
	FlipToEval summary `json:"flip_to_eval"`
	// PlanError says why the evaluation waits could not be planned (the
	// alerts then go to the pool's groups in order).
	PlanError string `json:"plan_error,omitempty"`

	ScrapeGap summary   `json:"scrape_gap"`
	Processes []process `json:"processes"`
	RSSBytes  int64     `json:"rss_bytes"`

	SlackPosts     int     `json:"slack_posts"`
	SlackRepeats   int     `json:"slack_repeats"`
	SlackUnrelated int     `json:"slack_unrelated"`
	APIError       string  `json:"api_error,omitempty"`
	DurationS      float64 `json:"duration_s"`
}

// sample is one synthetic alert, flip to Slack.
type sample struct {
	ID string `json:"id"`
	// The design point (plan.go): the planned wait from flip to the
	// evaluation that sees it, split into the wait for the scrape and the
	// wait from there to the evaluation; how long after a scrape the
	// chosen rule group evaluated when the plan was made; and how long
	// before a scrape the flip was aimed to make up the difference.
	PlannedWaitS       float64    `json:"planned_wait_s"`
	PlannedScrapeWaitS float64    `json:"planned_scrape_wait_s"`
	PlannedEvalWaitS   float64    `json:"planned_eval_wait_s"`
	GroupEvalWaitS     float64    `json:"group_eval_wait_s"`
	AimedScrapeWaitS   float64    `json:"aimed_scrape_wait_s"`
	Flip               time.Time  `json:"flip"`
	Scrape             *time.Time `json:"scrape,omitempty"`
	ActiveAt           *time.Time `json:"active_at,omitempty"`
	Arrival            *time.Time `json:"arrival,omitempty"`
	LatencyS           float64    `json:"latency_s,omitempty"`
}

// process is one server process of the stack and its RSS at the end.
type process struct {
	Name     string `json:"name"`
	PID      int    `json:"pid"`
	RSSBytes int64  `json:"rss_bytes"`
}

type pidFlags []process

func (p *pidFlags) String() string { return fmt.Sprint(*p) }

func (p *pidFlags) Set(v string) error {
	name, n, ok := strings.Cut(v, "=")
	pid, err := strconv.Atoi(n)
	if !ok || name == "" || err != nil || pid <= 0 {
		return fmt.Errorf("want NAME=PID, got %q", v)
	}
	*p = append(*p, process{Name: name, PID: pid})
	return nil
}

// runConfig is the run subcommand's flags.
type runConfig struct {
	name, version, targetAddr, slackAddr, out string
	apiURL, tokenFile                         string
	alerts, pool, warmups                     int
	scrapeEvery, evalEvery                    time.Duration
	alertTimeout, readyTimeout, budget        time.Duration
	seed                                      uint64
	procs                                     pidFlags
}

// run measures one stack that is already running and configured to
// scrape -target, load the rule file of "alerts rules" and notify -slack.
func run(ctx context.Context, args []string) error {
	var c runConfig
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&c.name, "name", "", "name of the stack (ward, stack)")
	fs.StringVar(&c.version, "version", "", "version text stored with the result")
	fs.StringVar(&c.targetAddr, "target", "", "listen address of the synthetic scrape target")
	fs.StringVar(&c.slackAddr, "slack", "", "listen address of the fake Slack webhook (path /hook)")
	fs.StringVar(&c.apiURL, "api", "", "base URL of the rule evaluator's /api/v1")
	fs.StringVar(&c.tokenFile, "token-file", "", "file holding a bearer token for -api")
	fs.StringVar(&c.out, "out", "", "write the result here")
	fs.IntVar(&c.alerts, "alerts", 24, "alerts to measure")
	fs.IntVar(&c.pool, "pool", 96, "alerts (rule groups) in the rule file, to choose the measured ones from")
	fs.IntVar(&c.warmups, "warmup", 1, "alerts sent first and not measured")
	fs.DurationVar(&c.scrapeEvery, "scrape-interval", 2*time.Second, "scrape interval the stack was given")
	fs.DurationVar(&c.evalEvery, "eval-interval", 2*time.Second, "evaluation interval the stack was given")
	fs.DurationVar(&c.alertTimeout, "alert-timeout", 20*time.Second, "give up on one alert after this long")
	fs.DurationVar(&c.readyTimeout, "ready-timeout", 2*time.Minute, "wait this long for scrapes and the first notification")
	fs.DurationVar(&c.budget, "budget", 6*time.Minute, "give up on the whole run after this long")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the design's permutations")
	fs.Var(&c.procs, "pid", "NAME=PID of a process of the stack (repeat); RSS is read at the end")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.name == "" || c.targetAddr == "" || c.slackAddr == "" || c.out == "" || len(c.procs) == 0 {
		return errors.New("run: -name, -target, -slack, -pid and -out are required")
	}
	if c.alerts < 1 || c.alerts > c.pool {
		return errors.New("run: -alerts must be between 1 and -pool")
	}
	if c.scrapeEvery != c.evalEvery || c.scrapeEvery <= 0 {
		return errors.New("run: the plan (plan.go) needs one scrape and evaluation interval")
	}
	ctx, cancel := context.WithTimeout(ctx, c.budget)
	defer cancel()
	res, err := measure(ctx, &c)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(c.out, append(b, '\n'), 0o644)
}

// measure serves the target and the fake Slack, waits for the stack to
// scrape, sends the warm-up alerts, then the measured ones, and reads
// the stack's RSS and alert timestamps at the end.
func measure(ctx context.Context, c *runConfig) (*result, error) {
	began := time.Now()
	pool, warm, err := ruleIDs(c.pool, c.warmups)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	api, err := newAPIClient(c.apiURL, c.tokenFile)
	if err != nil {
		return nil, fmt.Errorf("run: -token-file: %w", err)
	}
	tgt := newTarget(append(slices.Clone(pool), warm...))
	sink := newSlackSink()
	targetMux := http.NewServeMux()
	targetMux.Handle("GET /metrics", tgt)
	slackMux := http.NewServeMux()
	slackMux.Handle("/hook", sink)
	stopServers, err := serve(map[string]http.Handler{c.targetAddr: targetMux, c.slackAddr: slackMux})
	if err != nil {
		return nil, err
	}
	defer stopServers()

	check := func() error {
		for _, p := range c.procs {
			if !alive(p.PID) {
				return fmt.Errorf("%s (pid %d) exited", p.Name, p.PID)
			}
		}
		return ctx.Err()
	}
	// waitFor polls in short slices so a crashed server ends the run at once.
	waitFor := func(id string, timeout time.Duration) (time.Time, bool, error) {
		deadline := time.Now().Add(timeout)
		for {
			if err := check(); err != nil {
				return time.Time{}, false, err
			}
			left := time.Until(deadline)
			if left <= 0 {
				return time.Time{}, false, nil
			}
			if at, ok := sink.wait(ctx, id, min(left, 250*time.Millisecond)); ok {
				return at, true, nil
			}
		}
	}

	logf("%s: waiting for the first scrapes", c.name)
	readyBy := time.Now().Add(c.readyTimeout)
	for tgt.scrapeCount() < 2 {
		if err := check(); err != nil {
			return nil, err
		}
		if time.Now().After(readyBy) {
			return nil, fmt.Errorf("%s did not scrape %s within %s", c.name, c.targetAddr, c.readyTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}

	res := &result{Name: c.name, Version: c.version, ScrapeIntervalS: c.scrapeEvery.Seconds(), EvalIntervalS: c.evalEvery.Seconds()}
	// Warm-up: the stack's first notification may wait for things that
	// happen once (Prometheus discovering its Alertmanager, connection
	// setup); it proves the path works before anything is counted. By
	// its end every rule group has evaluated.
	for _, id := range warm {
		flip := tgt.flip(id)
		at, ok, err := waitFor(id, c.readyTimeout)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s: warm-up alert %s never reached the fake Slack within %s (see the stack's log)", c.name, id, c.readyTimeout)
		}
		res.WarmupS = append(res.WarmupS, at.Sub(flip).Seconds())
		logf("%s: warm-up alert delivered after %.2fs", c.name, at.Sub(flip).Seconds())
	}

	// Each pool group's evaluation wait after a scrape of the target.
	evalWaits := map[string]time.Duration{}
	if times, err := api.evalTimes(ctx); err != nil {
		res.PlanError = err.Error()
	} else {
		scrape := phase(tgt.scrapeReference(c.scrapeEvery), c.scrapeEvery)
		for _, id := range pool {
			if t, ok := times[groupName(id)]; ok {
				evalWaits[id] = cyclic(scrape, phase(t, c.evalEvery), c.evalEvery)
			}
		}
		if len(evalWaits) < c.alerts {
			res.PlanError = fmt.Sprintf("/api/v1/rules showed the evaluation time of %d of %d rule groups", len(evalWaits), len(pool))
		}
	}
	if res.PlanError != "" {
		logf("%s: evaluation waits not planned, alerts taken in order: %s", c.name, res.PlanError)
	}

	// One alert at a time, each its own series, rule group and
	// Alertmanager group, so every latency is the pipeline's and none
	// queues behind another.
	used := map[string]bool{}
	for i, p := range design(c.alerts, c.scrapeEvery, c.seed) {
		id, wait := pool[i], p.scrapeWait
		if res.PlanError == "" {
			id, wait, _ = choose(p, pool, evalWaits, used, c.evalEvery)
		}
		at := flipTime(tgt.scrapeReference(c.scrapeEvery), c.scrapeEvery, wait, time.Now().Add(300*time.Millisecond))
		if err := sleepUntil(ctx, at); err != nil {
			return nil, fmt.Errorf("%s: %w after %d alerts", c.name, err, i)
		}
		s := sample{
			ID: id, PlannedWaitS: (p.scrapeWait + p.evalWait).Seconds(),
			PlannedScrapeWaitS: p.scrapeWait.Seconds(), PlannedEvalWaitS: p.evalWait.Seconds(),
			GroupEvalWaitS: evalWaits[id].Seconds(), AimedScrapeWaitS: wait.Seconds(), Flip: tgt.flip(id),
		}
		at, ok, err := waitFor(id, c.alertTimeout)
		if err != nil {
			return nil, err
		}
		if ok {
			s.Arrival = &at
			s.LatencyS = at.Sub(s.Flip).Seconds()
		} else {
			res.Missing = append(res.Missing, id)
			logf("%s: %s not delivered within %s", c.name, id, c.alertTimeout)
		}
		res.Alerts = append(res.Alerts, s)
		if (i+1)%8 == 0 || i+1 == c.alerts {
			logf("%s: %d/%d alerts", c.name, i+1, c.alerts)
		}
	}

	// Sampled while the stack still holds every alert firing: the same
	// job, at its end, for every stack.
	res.Processes = slices.Clone(c.procs)
	for i := range res.Processes {
		rss, err := vmRSS(res.Processes[i].PID)
		if err != nil {
			return nil, err
		}
		res.Processes[i].RSSBytes = rss
		res.RSSBytes += rss
	}

	active, err := api.activeAt(ctx)
	if err != nil {
		res.APIError = err.Error()
		logf("%s: no activeAt, latency not split: %v", c.name, err)
	}
	var lat, scrapeWait, evalWait, notify, flipToEval []float64
	for i := range res.Alerts {
		s := &res.Alerts[i]
		if sc, ok := tgt.firstScrapeAfter(s.Flip); ok {
			s.Scrape = &sc
		}
		if a, ok := active[s.ID]; ok {
			s.ActiveAt = &a
		}
		if s.Arrival == nil {
			continue
		}
		lat = append(lat, s.LatencyS)
		if s.Scrape == nil || s.ActiveAt == nil {
			continue
		}
		scrapeWait = append(scrapeWait, s.Scrape.Sub(s.Flip).Seconds())
		evalWait = append(evalWait, s.ActiveAt.Sub(*s.Scrape).Seconds())
		notify = append(notify, s.Arrival.Sub(*s.ActiveAt).Seconds())
		flipToEval = append(flipToEval, s.ActiveAt.Sub(s.Flip).Seconds())
	}
	res.Latency = summarize(lat)
	res.ScrapeWait, res.EvalWait, res.Notify = summarize(scrapeWait), summarize(evalWait), summarize(notify)
	res.FlipToEval = summarize(flipToEval)
	res.ScrapeGap = summarize(tgt.scrapeGaps())
	res.SlackPosts, res.SlackRepeats, res.SlackUnrelated = sink.counts()
	res.DurationS = time.Since(began).Seconds()
	return res, nil
}

// serve starts one HTTP server per address and returns a function that
// stops them all.
func serve(handlers map[string]http.Handler) (stop func(), err error) {
	var servers []*http.Server
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, s := range servers {
			_ = s.Shutdown(ctx)
		}
	}
	for addr, h := range handlers {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			stop()
			return nil, err
		}
		s := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute}
		servers = append(servers, s)
		go func() { _ = s.Serve(ln) }()
	}
	return stop, nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "alerts: %s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
