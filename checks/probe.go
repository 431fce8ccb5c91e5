package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// prober runs one kind of check. probe must return once ctx ends: every
// network call it makes takes ctx.
type prober interface {
	probe(ctx context.Context, r *report) error
}

// kind is what package checks knows of one kind of check: how to build
// its prober and which failure reasons it can report. A new kind is a
// file with both and an entry in kinds (and its spec in package config).
type kind struct {
	// newProber builds the prober for a validated check of the kind.
	newProber func(config.Check) (prober, error)
	// reasons are the failure reasons the kind reports; their failure
	// counters are written from the first run on (at 0), so that
	// increase() sees the first failure.
	reasons []string
}

// kinds are the kinds of check ward runs, by config's kind name.
var kinds = map[string]kind{
	config.CheckPostgres: {newPostgresProber, postgresReasons},
	config.CheckRedis:    {newRedisProber, redisReasons},
	config.CheckS3:       {newS3Prober, s3Reasons},
	config.CheckHTTP:     {newHTTPProber, httpReasons},
	config.CheckTCP:      {newTCPProber, tcpReasons},
	config.CheckHeaders:  {newHeadersProber, headersReasons}, // issue 13
}

// newProber builds the prober for a validated check configuration. It
// reads no secrets: those are read at every run, so that rotating them
// needs no reload.
func newProber(cfg config.Check) (prober, error) {
	k, ok := kinds[cfg.Kind]
	if !ok {
		return nil, fmt.Errorf("checks: %s: unknown kind %q", cfg.Name, cfg.Kind)
	}
	return k.newProber(cfg)
}

// specOf returns the kind-specific part of cfg as S.
func specOf[S config.CheckSpec](cfg config.Check) (S, error) {
	s, ok := cfg.Spec.(S)
	if !ok {
		return s, fmt.Errorf("checks: %s: kind %s has settings of type %T", cfg.Name, cfg.Kind, cfg.Spec)
	}
	return s, nil
}

// outcome is one finished run: its result and the samples it produced.
type outcome struct {
	result Result
	report *report
}

// runProbe runs p once within cfg's timeout and turns what happened into a
// Result whose Error is short and free of credentials.
func runProbe(ctx context.Context, cfg config.Check, p prober) outcome {
	timeout := time.Duration(cfg.Timeout)
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep := &report{}
	start := time.Now()
	err := p.probe(rctx, rep)
	res := Result{
		Check:    cfg.Name,
		Kind:     cfg.Kind,
		Critical: cfg.Critical,
		Status:   StatusUp,
		Time:     start,
		Duration: time.Since(start),
	}
	if err != nil {
		res.Status = StatusDown
		res.Reason = reasonOf(err)
		// Libraries report a deadline in many words; the deadline is ours.
		if errors.Is(rctx.Err(), context.DeadlineExceeded) {
			res.Reason = ReasonTimeout
		}
		res.Error = shortError(rep.redact(err.Error()))
		if res.Reason == ReasonTimeout {
			res.Error = shortError(fmt.Sprintf("no answer within %s: %s", cfg.Timeout, res.Error))
		}
	} else {
		res.LastSuccess = start
		res.Warning = shortError(rep.redact(rep.warning))
	}
	for i, d := range rep.details {
		rep.details[i] = rep.redact(d)
	}
	res.Details = strings.Join(rep.details, ", ")
	return outcome{result: res, report: rep}
}

// RunOnce runs each check once, all concurrently, each within its own
// timeout, and returns their results in the order given. Nothing is
// stored; `ward check run` uses it. A check whose configuration cannot be
// built is reported as failed with reason config.
func RunOnce(ctx context.Context, cfgs []config.Check) []Result {
	out := make([]Result, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		p, err := newProber(cfg)
		if err != nil {
			out[i] = Result{Check: cfg.Name, Kind: cfg.Kind, Critical: cfg.Critical, Status: StatusDown,
				Time: time.Now(), Reason: ReasonConfig, Error: shortError(err.Error())}
			continue
		}
		wg.Go(func() { out[i] = runProbe(ctx, cfg, p).result })
	}
	wg.Wait()
	return out
}
