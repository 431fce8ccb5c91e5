package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Random phases (issue 15). The planned mode (plan.go) gives both stacks
// the same waits, which hides a systematic difference in where a stack's
// scrapes and rule evaluations fall. Here both stacks run side by side
// and, in each trial, discover one fresh target through file_sd (a new
// port, so a new instance and new scrape offsets in both), scrape it a
// few times, and then the target dies at a random moment: its listener
// and connections close, so the next scrape fails and up becomes 0. The
// alert `up{job="trial"} == 0` (for: 0s) fires in both; each stack's
// latency is the kill to its Slack webhook's arrival (a path per stack).

// stackAPI is one stack under measurement.
type stackAPI struct {
	name string
	sink *slackSink
	api  *apiClient
}

// randomTrial is one trial: a target killed at Kill.
type randomTrial struct {
	ID       string                `json:"id"`
	Target   string                `json:"target"`
	Kill     time.Time             `json:"kill"`
	LatencyS map[string]float64    `json:"latency_s"`
	ActiveAt map[string]*time.Time `json:"active_at"`
	// FailedScrape is the timestamp of the first up == 0 sample after
	// the kill (randombreakdown.go).
	FailedScrape map[string]*time.Time `json:"failed_scrape,omitempty"`
}

// randomResult is what "alerts random" writes.
type randomResult struct {
	IntervalS        float64              `json:"interval_s"`
	Trials           []randomTrial        `json:"trials"`
	Latency          map[string]summary   `json:"latency"`
	ToEval           map[string]summary   `json:"kill_to_evaluation"`
	Notify           map[string]summary   `json:"evaluation_to_slack"`
	ToScrape         map[string]summary   `json:"kill_to_failed_scrape"`
	ToEvalFromScrape map[string]summary   `json:"failed_scrape_to_evaluation"`
	Missing          map[string][]string  `json:"missing,omitempty"`
	Posts            map[string][3]int    `json:"slack_posts_repeats_unrelated"`
	Warmup           map[string][]float64 `json:"warmup_latency_s"`
}

func randomRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("random", flag.ContinueOnError)
	trials := fs.Int("trials", 16, "measured trials (one fresh target each)")
	warmups := fs.Int("warmup", 1, "trials first, not measured")
	interval := fs.Duration("interval", 2*time.Second, "scrape and evaluation interval of both stacks")
	sdFile := fs.String("sd-file", "", "file_sd file both stacks read (job trial)")
	slackAddr := fs.String("slack", "", "listen address of the fake Slack (paths /hook/ward, /hook/stack)")
	wardAPI := fs.String("ward-api", "", "ward's base URL")
	tokenFile := fs.String("token-file", "", "file with a token for ward's API")
	stackAPIURL := fs.String("stack-api", "", "Prometheus' base URL")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "seed of the kill phases")
	out := fs.String("out", "", "write the result here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sdFile == "" || *slackAddr == "" || *out == "" || *trials < 1 {
		return errors.New("random: -sd-file, -slack, -out and -trials >= 1 are required")
	}
	wapi, err := newAPIClient(*wardAPI, *tokenFile)
	if err != nil {
		return err
	}
	sapi, _ := newAPIClient(*stackAPIURL, "")
	stacks := []stackAPI{{"ward", newSlackSink(), wapi}, {"stack", newSlackSink(), sapi}}
	mux := http.NewServeMux()
	for _, s := range stacks {
		mux.Handle("/hook/"+s.name, s.sink)
	}
	stop, err := serve(map[string]http.Handler{*slackAddr: mux})
	if err != nil {
		return err
	}
	defer stop()

	rng := rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15))
	res := &randomResult{IntervalS: interval.Seconds(), Missing: map[string][]string{}, Warmup: map[string][]float64{}}
	var live []trialTarget
	start := time.Now()
	for i := range *warmups + *trials {
		id := benchID(100 + i)
		tt, err := startTrialTarget()
		if err != nil {
			return err
		}
		live = append(live, tt)
		if err := writeSD(*sdFile, live); err != nil {
			return err
		}
		// Both stacks have scraped it twice: its scrape loops run at
		// their own offsets.
		deadline := time.Now().Add(30**interval + time.Minute)
		for tt.scrapes("ward") < 2 || tt.scrapes("stack") < 2 {
			if time.Now().After(deadline) {
				return fmt.Errorf("trial %d: target %s not scraped twice by both stacks", i, tt.addr)
			}
			if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
				return err
			}
		}
		// The kill falls at a random phase of both scrape schedules.
		if err := sleepCtx(ctx, time.Duration(rng.Float64()*float64(*interval))); err != nil {
			return err
		}
		kill := tt.kill()
		tr := randomTrial{ID: id, Target: tt.addr, Kill: kill, LatencyS: map[string]float64{}, ActiveAt: map[string]*time.Time{}}
		for _, s := range stacks {
			at, ok := s.sink.wait(ctx, id, 10**interval+30*time.Second)
			switch {
			case !ok:
				res.Missing[s.name] = append(res.Missing[s.name], id)
			case i < *warmups:
				res.Warmup[s.name] = append(res.Warmup[s.name], at.Sub(kill).Seconds())
			default:
				tr.LatencyS[s.name] = at.Sub(kill).Seconds()
			}
		}
		if i >= *warmups {
			res.Trials = append(res.Trials, tr)
			logf("trial %d/%d: ward %.2fs stack %.2fs", i+1-*warmups, *trials, tr.LatencyS["ward"], tr.LatencyS["stack"])
		}
	}
	res.Latency, res.ToEval, res.Notify, res.Posts = map[string]summary{}, map[string]summary{}, map[string]summary{}, map[string][3]int{}
	res.ToScrape, res.ToEvalFromScrape = map[string]summary{}, map[string]summary{}
	for _, s := range stacks {
		active, err := s.api.activeAt(ctx)
		if err != nil {
			logf("%s: no activeAt: %v", s.name, err)
		}
		var lat, toEval, notify []float64
		for i := range res.Trials {
			tr := &res.Trials[i]
			l, ok := tr.LatencyS[s.name]
			if !ok {
				continue
			}
			lat = append(lat, l)
			if a, ok := active[tr.ID]; ok {
				tr.ActiveAt[s.name] = &a
				toEval = append(toEval, a.Sub(tr.Kill).Seconds())
				notify = append(notify, l-a.Sub(tr.Kill).Seconds())
			}
		}
		res.Latency[s.name], res.ToEval[s.name], res.Notify[s.name] = summarize(lat), summarize(toEval), summarize(notify)
		res.ToScrape[s.name], res.ToEvalFromScrape[s.name] = breakdown(ctx, res, s, start)
		p, r, u := s.sink.counts()
		res.Posts[s.name] = [3]int{p, r, u}
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

// trialTarget is one trial's scrape target: /ward/metrics and
// /stack/metrics serve the same page and count each stack's scrapes.
type trialTarget struct {
	addr   string
	srv    *http.Server
	counts map[string]*counter
}

type counter struct{ n chan struct{} }

func (tt trialTarget) scrapes(stack string) int { return len(tt.counts[stack].n) }

func startTrialTarget() (trialTarget, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return trialTarget{}, err
	}
	tt := trialTarget{addr: ln.Addr().String(), counts: map[string]*counter{}}
	mux := http.NewServeMux()
	for _, s := range []string{"ward", "stack"} {
		c := &counter{n: make(chan struct{}, 1<<16)}
		tt.counts[s] = c
		mux.HandleFunc("GET /"+s+"/metrics", func(w http.ResponseWriter, _ *http.Request) {
			select {
			case c.n <- struct{}{}:
			default:
			}
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			_, _ = io.WriteString(w, "# TYPE trial_alive gauge\ntrial_alive 1\n")
		})
	}
	tt.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = tt.srv.Serve(ln) }()
	return tt, nil
}

// kill closes the listener and every connection: the next scrape fails
// at once with "connection refused", as for a process that died.
func (tt trialTarget) kill() time.Time {
	now := time.Now()
	_ = tt.srv.Close()
	return now
}

// writeSD writes every trial target so far (dead ones too: their alerts
// stay firing, so no resolved notice mixes in) atomically.
func writeSD(path string, live []trialTarget) error {
	type group struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	}
	var gs []group
	for i, tt := range live {
		gs = append(gs, group{Targets: []string{tt.addr}, Labels: map[string]string{"bench_id": benchID(100 + i)}})
	}
	b, err := json.Marshal(gs)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), ".sd.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
