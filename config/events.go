package config

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
)

// Events configures the timeline of what happened (section `events:`):
// alerts fired and resolved, notifications, checks, targets and reloads.
type Events struct {
	// Retention is how long events are kept. The newest 200,000 are
	// kept at most, whatever their age.
	Retention model.Duration `yaml:"retention"`
}

// Bounds of events.retention.
const (
	minEventsRetention = time.Hour
	maxEventsRetention = 400 * 24 * time.Hour
)

// DefaultEvents returns the events defaults: 30 days, the retention of
// logs ward's plan promises.
func DefaultEvents() Events {
	return Events{Retention: model.Duration(30 * 24 * time.Hour)}
}

// Validate returns every problem of the section as "events.key: msg".
func (e Events) Validate() []string {
	var out []string
	for _, p := range e.problems() {
		out = append(out, p.path+": "+p.msg)
	}
	return out
}

func (e Events) problems() []fieldError {
	var errs []fieldError
	if r := time.Duration(e.Retention); r < minEventsRetention || r > maxEventsRetention {
		errs = append(errs, fieldError{path: "events.retention", msg: fmt.Sprintf("must be between %s and %s, got %s",
			model.Duration(minEventsRetention), model.Duration(maxEventsRetention), e.Retention)})
	}
	return errs
}
