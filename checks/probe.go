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

// newProber builds the prober for a validated check configuration. It
// reads no secrets: those are read at every run, so that rotating them
// needs no reload.
func newProber(cfg config.Check) (prober, error) {
	switch cfg.Kind {
	case config.CheckPostgres:
		return &postgresProber{cfg: cfg}, nil
	case config.CheckRedis:
		return &redisProber{cfg: cfg}, nil
	case config.CheckS3:
		return &s3Prober{cfg: cfg}, nil
	case config.CheckHTTP:
		return newHTTPProber(cfg)
	case config.CheckTCP:
		return &tcpProber{cfg: cfg}, nil
	}
	return nil, fmt.Errorf("checks: %s: unknown kind %q", cfg.Name, cfg.Kind)
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
