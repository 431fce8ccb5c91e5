// Package slack delivers alert notifications to Slack for ward's embedded
// Alertmanager. It owns one notify.Notifier configured by Alertmanager's own
// slack_configs entry, so an alertmanager.yml pastes in unchanged.
//
// With a bot token (app_token or app_token_file) it posts a Block Kit message
// with chat.postMessage, keeps the message's channel and timestamp in the
// notification log's per-group store, and on later notifications for the same
// episode edits that message in place (chat.update) and replies in its thread
// instead of posting anew. Because the notification log is persisted, this
// survives restarts.
//
// With an incoming webhook (api_url or api_url_file) Slack offers no way to
// edit or thread a message, so every notification, resolved ones included, is
// a new message.
package slack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/notify"
	amslack "github.com/prometheus/alertmanager/notify/slack"
	"github.com/prometheus/alertmanager/template"
)

// DefaultTimeout bounds one notification (a post, or an update and its
// thread reply) when the config's timeout is 0, which Alertmanager reads as
// "none": a hung Slack must fail the attempt so it can be retried, not hold
// the group until the pipeline gives up.
const DefaultTimeout = 30 * time.Second

// Options are what ward adds to Alertmanager's Slack configuration.
type Options struct {
	// ExternalURL is ward's base URL. Messages link to <ExternalURL>/alerts
	// filtered on the notification's group labels. Nil leaves the link out.
	ExternalURL *url.URL
	// HTTPClient, when set, replaces the client built from the receiver's
	// http_config. It is copied, never modified.
	HTTPClient *http.Client
}

// Notifier sends notifications for one slack_configs entry.
type Notifier struct {
	conf   *amslack.SlackConfig
	tmpl   *template.Template
	logger *slog.Logger
	ward   *url.URL
	client *http.Client
	target target
}

var _ notify.Notifier = (*Notifier)(nil)

// New builds a Notifier for cfg. It fails when cfg names neither a bot token
// nor a webhook, when a bot has no channel, or when tmpl has no ExternalURL
// (Alertmanager's templates would panic at the first notification).
func New(cfg *amslack.SlackConfig, tmpl *template.Template, logger *slog.Logger, opts Options) (*Notifier, error) {
	if cfg == nil {
		return nil, errors.New("slack: missing configuration")
	}
	if tmpl == nil || tmpl.ExternalURL == nil {
		return nil, errors.New("slack: template without external URL")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	t, err := resolveTarget(cfg)
	if err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
	client, err := newHTTPClient(cfg, t.mode, opts.HTTPClient)
	if err != nil {
		return nil, fmt.Errorf("slack: http_config: %w", err)
	}
	return &Notifier{
		conf:   cfg,
		tmpl:   tmpl,
		logger: logger,
		ward:   opts.ExternalURL,
		client: client,
		target: t,
	}, nil
}

// Notify implements notify.Notifier. Failures are classified as Alertmanager
// does: network errors, timeouts, 5xx and rate limits are retried (after
// Slack's Retry-After when it gives one); other 4xx answers and Slack API
// errors such as invalid_auth or channel_not_found are not.
func (n *Notifier) Notify(ctx context.Context, alerts ...*alert.Alert) notify.NotifyVerdict {
	key, err := notify.ExtractGroupKey(ctx)
	if err != nil {
		return notify.Unrecoverable(fmt.Errorf("slack: %w", err), notify.MissingContextReason)
	}
	logger := n.logger.With("group_key", key.String())

	timeout := cmp.Or(n.conf.Timeout, DefaultTimeout)
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("slack: timeout reached (%s)", timeout))
	defer cancel()

	data := notify.GetTemplateData(ctx, n.tmpl, alerts, logger)
	msg, err := n.render(data)
	if err != nil {
		return notify.Unrecoverable(fmt.Errorf("slack: template: %w", err), notify.TemplateErrorReason)
	}

	if n.target.mode == modeWebhook {
		return n.notifyWebhook(ctx, msg)
	}
	reason, _ := notify.NotificationReason(ctx)
	return n.notifyBot(ctx, logger, msg, reason)
}
