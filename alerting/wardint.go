package alerting

import (
	"log/slog"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/config/receiver"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/alertmanager/template"
)

// wardIntegrations builds the Slack and email integrations.
func wardIntegrations(rcv amconfig.Receiver, tmpl *template.Template, logger *slog.Logger, _ Options) ([]notify.Integration, error) {
	only := amconfig.Receiver{Name: rcv.Name, SlackConfigs: rcv.SlackConfigs, EmailConfigs: rcv.EmailConfigs}
	return receiver.BuildReceiverIntegrations(only, tmpl, logger)
}
