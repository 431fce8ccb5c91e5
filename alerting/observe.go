package alerting

import (
	"context"
	"time"

	"github.com/prometheus/alertmanager/silence"
)

// Observer hears of every notification attempt and every hand-over to a
// fallback receiver (ward's events timeline). It is called on the
// notifying goroutine, after the attempt: keep it quick.
type Observer interface {
	// Attempted is called after each delivery attempt, retries
	// included, with what the delivery history records of it.
	Attempted(d Delivery)
	// FellBack is called when a notification that receiver failed to
	// deliver for failingFor is handed to its fallback.
	FellBack(receiver, fallback string, failingFor time.Duration, err error)
}

// ActiveSilences counts the silences in force.
func (m *Manager) ActiveSilences(ctx context.Context) int {
	n, err := m.silences.CountState(ctx, silence.SilenceStateActive)
	if err != nil {
		return 0
	}
	return n
}
