package alerting

import (
	"context"
)

// Notice is a one-off informational message sent through a receiver
// outside the alert pipeline (no grouping, silences or retries): the
// test notification, the backups' daily success digest (issue 12).
type Notice struct {
	// Alertname labels the message ("WardBackupDigest").
	Alertname   string
	Summary     string
	Description string
	// groupKey names the notification in the delivery history (default
	// "ward-notice:<alertname>:<receiver>").
	groupKey string
}

// SendNotice sends n through every integration of the named receiver of
// the running configuration; attempts are recorded in the delivery
// history like any notification.
func (m *Manager) SendNotice(ctx context.Context, receiver string, n Notice) ([]TestResult, error) {
	cfg := m.current.Load()
	if cfg == nil {
		return nil, ErrNotConfigured
	}
	return sendNotice(ctx, cfg, receiver, n, m.opts.ExternalURL, m.logger, m.history)
}
