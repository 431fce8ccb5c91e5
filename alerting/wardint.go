package alerting

import (
	"log/slog"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/alertmanager/template"

	"github.com/ward-monitoring/ward/alerting/email"
	"github.com/ward-monitoring/ward/alerting/slack"
)

// wardIntegrations builds ward's own Slack and email integrations for a
// receiver's slack_configs and email_configs.
func wardIntegrations(rcv amconfig.Receiver, tmpl *template.Template, logger *slog.Logger, o Options) ([]notify.Integration, error) {
	var ints []notify.Integration
	for i, c := range rcv.SlackConfigs {
		n, err := slack.New(c, tmpl, logger.With("integration", "slack"), slack.Options{ExternalURL: o.ExternalURL})
		if err != nil {
			return nil, err
		}
		ints = append(ints, notify.NewIntegration(n, c, "slack", i, rcv.Name))
	}
	for i, c := range rcv.EmailConfigs {
		n, err := email.New(c, tmpl, logger.With("integration", "email"), email.Options{ExternalURL: o.ExternalURL})
		if err != nil {
			return nil, err
		}
		ints = append(ints, notify.NewIntegration(n, c, "email", i, rcv.Name))
	}
	return ints, nil
}
