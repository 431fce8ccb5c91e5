package alerting

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/alertmanager/alert"
	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/config/receiver"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/alertmanager/template"
)

// integrations builds a receiver's notifiers: Alertmanager's own for
// every integration ward does not replace, ward's for Slack and email,
// and a log notifier for a receiver with none. Each is wrapped to record
// its delivery attempts.
func (m *Manager) integrations(rcv amconfig.Receiver, tmpl *template.Template) ([]notify.Integration, error) {
	return buildIntegrations(rcv, tmpl, m.logger, m.history, m.opts)
}

func buildIntegrations(rcv amconfig.Receiver, tmpl *template.Template, logger *slog.Logger, h *history, o Options) ([]notify.Integration, error) {
	own := rcv
	own.SlackConfigs, own.EmailConfigs = nil, nil
	ints, err := receiver.BuildReceiverIntegrations(own, tmpl, logger)
	if err != nil {
		return nil, err
	}
	extra, err := wardIntegrations(rcv, tmpl, logger, o)
	if err != nil {
		return nil, err
	}
	ints = append(ints, extra...)
	if len(ints) == 0 {
		ints = append(ints, notify.NewIntegration(&logNotifier{logger: logger, receiver: rcv.Name}, sendResolved(true), "log", 0, rcv.Name))
	}
	if h == nil {
		return ints, nil
	}
	out := make([]notify.Integration, len(ints))
	for i := range ints {
		in := ints[i]
		out[i] = notify.NewIntegration(h.wrap(rcv.Name, &in), &in, in.Name(), in.Index(), rcv.Name)
	}
	return out, nil
}

type sendResolved bool

func (s sendResolved) SendResolved() bool { return bool(s) }

// logNotifier stands in for a receiver without integrations: ward logs
// what would have been sent, so nothing disappears silently.
type logNotifier struct {
	logger   *slog.Logger
	receiver string
}

func (n *logNotifier) Notify(ctx context.Context, alerts ...*alert.Alert) notify.NotifyVerdict {
	key, _ := notify.GroupKey(ctx)
	for _, a := range alerts {
		state := "firing"
		if a.Resolved() {
			state = "resolved"
		}
		n.logger.Info("alert notification", "receiver", n.receiver, "group", key, "state", state,
			"alertname", string(a.Labels["alertname"]), "labels", fmt.Sprint(a.Labels), "summary", string(a.Annotations["summary"]))
	}
	return notify.Success()
}
