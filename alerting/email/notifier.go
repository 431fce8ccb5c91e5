// Package email delivers ward's alert notifications by SMTP, and with
// [Transport] the mail ward writes itself (password resets, security
// notices) through the same SMTP client.
//
// It owns the email integration of the embedded Alertmanager: a
// [notify.Notifier] configured by Alertmanager's own email_configs type, so an
// alertmanager.yml receiver pastes into ward unchanged. Messages are built and
// sent with github.com/wneessen/go-mail; each carries a plain-text and an HTML
// part. Subject and bodies come from the user's templates where the config
// sets them and from ward's embedded defaults otherwise.
//
// Templates are checked when the notifier is built, by rendering them against
// sample alerts, so a broken template stops a config load instead of failing
// the first real notification. Delivery failures are classified for
// Alertmanager's retry stage by SMTP reply code: 4xx and network errors are
// retried, 5xx replies are not.
package email

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/notify"
	amemail "github.com/prometheus/alertmanager/notify/email"
	"github.com/prometheus/alertmanager/template"
)

// Options carries what the email config does not: facts about this ward.
type Options struct {
	// ExternalURL is ward's base URL. The default templates link to the
	// alert list below it. When nil, the template's ExternalURL is used.
	ExternalURL *url.URL
}

// Notifier sends notifications for one email config. It is safe for
// concurrent use; every Notify call opens its own SMTP connection.
type Notifier struct {
	logger    *slog.Logger
	tmpl      *template.Template
	render    *renderer
	transport *transport
	threading bool
	byDate    bool
}

var _ notify.Notifier = (*Notifier)(nil)

// New builds a notifier for cfg, rendering with tmpl (Alertmanager's
// template set, which must have its ExternalURL set). cfg is only read, now
// and later; it must not change while the notifier is in use.
//
// New checks everything it can without connecting: the smarthost and TLS
// settings, that credentials are present and their files readable, and that
// every template renders and yields valid addresses for sample alerts. It
// reports all problems at once, each prefixed by its field name.
func New(cfg *amemail.EmailConfig, tmpl *template.Template, logger *slog.Logger, opts Options) (*Notifier, error) {
	if cfg == nil {
		return nil, errors.New("email: nil config")
	}
	if tmpl == nil || tmpl.ExternalURL == nil {
		return nil, errors.New("email: template with ExternalURL required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	tr, transportErr := newTransport(cfg, logger)
	r, err := newRenderer(cfg, tmpl, alertsURL(opts.ExternalURL, tmpl.ExternalURL))
	if err != nil {
		return nil, err
	}
	n := &Notifier{
		logger:    logger,
		tmpl:      tmpl,
		render:    r,
		transport: tr,
		threading: cfg.Threading.Enabled,
		byDate:    cfg.Threading.ThreadByDate != "none",
	}
	if err := errors.Join(transportErr, n.check()); err != nil {
		return nil, err
	}
	return n, nil
}

// Notify renders one notification for the alerts of a group and sends it.
// The context's deadline bounds the whole SMTP conversation.
func (n *Notifier) Notify(ctx context.Context, alerts ...*alert.Alert) notify.NotifyVerdict {
	data := notify.GetTemplateData(ctx, n.tmpl, alerts, n.logger)
	out, err := n.render.render(data)
	if err != nil {
		return notify.Unrecoverable(err, notify.TemplateErrorReason)
	}
	var th thread
	if n.threading {
		key, err := notify.ExtractGroupKey(ctx)
		if err != nil {
			return notify.Unrecoverable(err, notify.MissingContextReason)
		}
		th = threadOf(key, n.byDate)
	}
	msg, err := newMessage(out, th, time.Now())
	if err != nil {
		return notify.Unrecoverable(err, notify.ConfigErrorReason)
	}
	if err := n.transport.send(ctx, msg); err != nil {
		return verdict(ctx, err)
	}
	n.logger.Debug("email sent", "to", out.to, "subject", out.subject, "alerts", len(alerts))
	return notify.Success()
}

// threadOf derives the thread of a group key the way Alertmanager does.
func threadOf(key notify.Key, byDate bool) thread {
	hash := key.Hash()
	if len(hash) > 16 {
		hash = hash[:16]
	}
	return thread{groupKeyHash: hash, byDate: byDate}
}

// alertsURL is the alert list in ward, below the first non-nil base URL.
func alertsURL(bases ...*url.URL) string {
	for _, u := range bases {
		if u != nil && u.Host != "" {
			return u.JoinPath("alerts").String()
		}
	}
	return ""
}
