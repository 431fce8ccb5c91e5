package checks

import (
	"context"
	"sync"
	"time"
)

// componentTimeout bounds a Component's Healthy call, so a misbehaving
// component cannot hang a health report.
const componentTimeout = time.Second

// Component is a part of ward itself that the health report covers: the
// TSDB being writable, rule evaluation running, a notifier reachable.
//
// Healthy must be cheap: it reports what the component already knows
// (its last append, evaluation or delivery), it does not probe, because
// a health report answers from state and never does I/O on request.
type Component interface {
	Name() string
	Healthy(ctx context.Context) error
}

// HealthStatus is the overall status of a health report.
type HealthStatus string

// Overall statuses.
const (
	HealthPass HealthStatus = "pass" // every check and component up
	HealthWarn HealthStatus = "warn" // only non-critical checks down or pending
	HealthFail HealthStatus = "fail" // a critical check or a component down or pending
)

// Health is ward's health at one moment: the latest result of every
// check, the state of every component of ward itself, and the overall
// status. /health/ renders it as JSON.
type Health struct {
	Status HealthStatus
	// Checks are in configuration order.
	Checks []Result
	// Components are in the order they were asked; each counts as
	// critical.
	Components []ComponentHealth
}

// ComponentHealth is the state of one of ward's components.
type ComponentHealth struct {
	Name string
	// Status is StatusUp or StatusDown.
	Status Status
	// Error says, briefly, why the component is down.
	Error string
}

// Health reports the latest result of every check and asks every
// component, all at once and each within componentTimeout; a component
// that does not answer in time counts as down. It runs no check.
func (r *Runner) Health(ctx context.Context, components []Component) Health {
	h := Health{Status: HealthPass, Checks: r.Results(), Components: make([]ComponentHealth, len(components))}
	for _, res := range h.Checks {
		if !res.OK() {
			if res.Critical {
				h.Status = HealthFail
			} else if h.Status == HealthPass {
				h.Status = HealthWarn
			}
		}
	}
	for i, err := range componentHealth(ctx, components) {
		c := ComponentHealth{Name: components[i].Name(), Status: StatusUp}
		if err != nil {
			c.Status, c.Error = StatusDown, shortError(err.Error())
			h.Status = HealthFail
		}
		h.Components[i] = c
	}
	return h
}

// componentHealth asks every component at once, each within
// componentTimeout; one that does not answer in time counts as down.
func componentHealth(ctx context.Context, cs []Component) []error {
	errs := make([]error, len(cs))
	ctx, cancel := context.WithTimeout(ctx, componentTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for i, c := range cs {
		done := make(chan error, 1)
		wg.Go(func() {
			go func() { done <- c.Healthy(ctx) }()
			select {
			case errs[i] = <-done:
			case <-ctx.Done():
				errs[i] = ctx.Err()
			}
		})
	}
	wg.Wait()
	return errs
}
