package alerting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/errkind"
)

// TestResult is the outcome of a test notification through one
// integration of a receiver.
type TestResult struct {
	Integration string `json:"integration"`
	OK          bool   `json:"ok"`
	Error       string `json:"error,omitempty"`
}

// testTimeout bounds one test notification.
const testTimeout = 30 * time.Second

// SendTest sends a test notification through every integration of the
// named receiver, outside the pipeline (no grouping, silences or retries),
// and reports each outcome.
func SendTest(ctx context.Context, cfg *config.Alerting, name string, externalURL *url.URL, logger *slog.Logger) ([]TestResult, error) {
	return sendTest(ctx, cfg, name, externalURL, logger, nil)
}

// SendTest sends a test notification through a receiver of the running
// configuration; attempts are recorded in the delivery history.
func (m *Manager) SendTest(ctx context.Context, name string) ([]TestResult, error) {
	cfg := m.current.Load()
	if cfg == nil {
		return nil, ErrNotConfigured
	}
	return sendTest(ctx, cfg, name, m.opts.ExternalURL, m.logger, m.history)
}

// Deliveries returns the last delivery attempts, newest first, optionally
// for one receiver.
func (m *Manager) Deliveries(receiver string, limit int) ([]Delivery, error) {
	return m.history.deliveries(receiver, limit)
}

// Errors of SendTest.
var (
	// ErrUnknownReceiver is returned for a receiver the config does not
	// define.
	ErrUnknownReceiver error = errkind.New(errkind.NotFound, "alerting: unknown receiver", "unknown receiver")
	// ErrNotConfigured is returned before the first configuration is
	// applied.
	ErrNotConfigured error = errkind.New(errkind.Unavailable, "alerting: not configured yet", "alerting is not configured yet")
)

func sendTest(ctx context.Context, cfg *config.Alerting, name string, externalURL *url.URL, logger *slog.Logger, h *history) ([]TestResult, error) {
	return sendNotice(ctx, cfg, name, Notice{
		Alertname:   "WardTestNotification",
		Summary:     "Test notification from ward",
		Description: "Sent by `ward alert test` to check that this receiver reaches people.",
		groupKey:    "ward-test:" + name,
	}, externalURL, logger, h)
}

// sendNotice sends n through every integration of the named receiver,
// outside the pipeline.
func sendNotice(ctx context.Context, cfg *config.Alerting, name string, n Notice, externalURL *url.URL, logger *slog.Logger, h *history) ([]TestResult, error) {
	for _, rcv := range cfg.Alertmanager.Receivers {
		if rcv.Name != name {
			continue
		}
		tmpl, err := newTemplate(cfg.Alertmanager, externalURL)
		if err != nil {
			return nil, err
		}
		ints, err := buildIntegrations(rcv, tmpl, logger, h, Options{ExternalURL: externalURL})
		if err != nil {
			return nil, fmt.Errorf("alerting: receiver %q: %w", name, err)
		}
		now := time.Now()
		a := alert.New(model.Alert{
			Labels: model.LabelSet{"alertname": model.LabelValue(n.Alertname), "severity": "info", "receiver": model.LabelValue(name)},
			Annotations: model.LabelSet{
				"summary":     model.LabelValue(n.Summary),
				"description": model.LabelValue(n.Description),
			},
			StartsAt: now,
			EndsAt:   now.Add(time.Hour),
		}, now, false)
		ctx, cancel := context.WithTimeout(ctx, testTimeout)
		defer cancel()
		ctx = notify.WithReceiverName(ctx, name)
		key := n.groupKey
		if key == "" {
			key = "ward-notice:" + n.Alertname + ":" + name
		}
		ctx = notify.WithGroupKey(ctx, key)
		ctx = notify.WithGroupLabels(ctx, model.LabelSet{"alertname": model.LabelValue(n.Alertname)})
		ctx = notify.WithNow(ctx, now)
		// The dispatcher sets a reason on every notification; without one
		// Alertmanager logs "Missing notification reason" as an error.
		ctx = notify.WithNotificationReason(ctx, notify.ReasonFirstNotification)
		ctx = notify.WithRepeatInterval(ctx, time.Hour)
		ctx = notify.WithFiringAlerts(ctx, []uint64{uint64(a.Fingerprint())})
		ctx = notify.WithResolvedAlerts(ctx, nil)
		results := make([]TestResult, 0, len(ints))
		for i := range ints {
			v := ints[i].Notify(ctx, a)
			r := TestResult{Integration: ints[i].String(), OK: v.Err() == nil}
			if err := v.Err(); err != nil {
				r.Error = err.Error()
			}
			results = append(results, r)
		}
		return results, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownReceiver, name)
}

// Validate builds every receiver of cfg without sending anything, so that
// template errors and bad notifier settings surface when the config is
// loaded, not when the first alert fires at night.
func Validate(cfg *config.Alerting, externalURL *url.URL, logger *slog.Logger) error {
	tmpl, err := newTemplate(cfg.Alertmanager, externalURL)
	if err != nil {
		return err
	}
	var errs []error
	for _, rcv := range cfg.Alertmanager.Receivers {
		if _, err := buildIntegrations(rcv, tmpl, logger, nil, Options{ExternalURL: externalURL}); err != nil {
			errs = append(errs, fmt.Errorf("alerting: receiver %q: %w", rcv.Name, err))
		}
	}
	return errors.Join(errs...)
}
