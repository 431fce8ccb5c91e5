// Package usermail sends ward's own mail to its users — password-reset
// links and security notices (a recovery code used, a sign-in from a new
// device) — through the SMTP client alerting/email also sends
// notifications with. It implements auth.Notifier: notices are queued on
// the request path and sent one at a time by Run, each with its own
// timeout, so a slow or hung SMTP server never delays a sign-in.
package usermail

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"

	amcommoncfg "github.com/prometheus/alertmanager/config/common"
	amemail "github.com/prometheus/alertmanager/notify/email"
	commoncfg "github.com/prometheus/common/config"

	"github.com/ward-monitoring/ward/alerting/email"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
)

const (
	// mailQueueLen bounds the mail waiting for the SMTP server; past it,
	// new mail is dropped (and logged) rather than held in memory.
	mailQueueLen = 64
	// mailTimeout bounds one SMTP conversation.
	mailTimeout = 30 * time.Second
)

// Mailer sends ward's own mail to users: reset links and security
// notices. The auth service hands it notices on the request path; it only
// queues them there, and Run sends them one at a time, each with its own
// timeout, so a slow or hung SMTP server never delays a sign-in.
type Mailer struct {
	logger    *slog.Logger
	transport *email.Transport
	base      *url.URL // ward's external URL, for links
	queue     chan queuedMail
	timeout   time.Duration
}

// queuedMail is a message and what to log about it (never its body).
type queuedMail struct {
	msg  email.Message
	kind string
	user string
}

var _ auth.Notifier = (*Mailer)(nil)

// New checks the mail section and builds the SMTP transport over
// alerting/email's client. base is ward's external URL, for links. A
// password from auth_password_env is read now; one from
// auth_password_file at every send.
func New(cfg *config.Mail, base *url.URL, logger *slog.Logger) (*Mailer, error) {
	host, port, err := net.SplitHostPort(cfg.Smarthost)
	if err != nil {
		return nil, fmt.Errorf("mail.smarthost: %w", err)
	}
	requireTLS, tlsConfig := cfg.RequireTLS, cfg.TLSConfig
	ec := &amemail.EmailConfig{
		From:             cfg.From,
		Hello:            cfg.Hello,
		Smarthost:        amcommoncfg.HostPort{Host: host, Port: port},
		AuthUsername:     cfg.AuthUsername,
		AuthPasswordFile: cfg.AuthPasswordFile,
		RequireTLS:       &requireTLS,
		ForceImplicitTLS: cfg.ForceImplicitTLS,
		TLSConfig:        &tlsConfig,
	}
	if cfg.AuthPasswordEnv != "" {
		pw, err := cfg.ReadPassword()
		if err != nil {
			return nil, fmt.Errorf("mail.auth_password_env: %w", err)
		}
		ec.AuthPassword = commoncfg.Secret(pw)
	}
	tr, err := email.NewTransport(ec, logger)
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return &Mailer{
		logger: logger, transport: tr, base: base,
		queue: make(chan queuedMail, mailQueueLen), timeout: mailTimeout,
	}, nil
}

// Run sends queued mail until ctx ends. Mail still queued then is dropped
// and counted in the log.
func (m *Mailer) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			if n := len(m.queue); n > 0 {
				m.logger.Warn("ward stopped with mail unsent", "count", n)
			}
			return nil
		case q := <-m.queue:
			m.send(ctx, q)
		}
	}
}

func (m *Mailer) send(ctx context.Context, q queuedMail) {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	if err := m.transport.Send(ctx, q.msg); err != nil {
		m.logger.Error("mail not sent", "kind", q.kind, "user", q.user, "err", err)
		return
	}
	m.logger.Info("mail sent", "kind", q.kind, "user", q.user)
}

// enqueue hands a message to Run without waiting.
func (m *Mailer) enqueue(kind string, n auth.Notice, subject string, v mailView) {
	text, html, err := renderMail(kind, v)
	if err != nil {
		m.logger.Error("mail not sent", "kind", kind, "user", n.User, "err", err)
		return
	}
	q := queuedMail{msg: email.Message{To: n.Email, Subject: "[ward] " + subject, Text: text, HTML: html}, kind: kind, user: n.User}
	select {
	case m.queue <- q:
	default:
		m.logger.Error("mail not sent: the queue is full (is the SMTP server down?)", "kind", kind, "user", n.User)
	}
}

// link is the absolute URL of path below ward's external URL.
func (m *Mailer) link(path string, query url.Values) string {
	u := m.base.JoinPath(path)
	u.RawQuery = query.Encode()
	return u.String()
}

// PasswordReset implements auth.Notifier.
func (m *Mailer) PasswordReset(n auth.Notice, token string, expires time.Time) {
	v := newMailView(n)
	v.Link = m.link("reset-password", url.Values{"token": {token}})
	v.Expires = expires.UTC().Format(time.RFC1123)
	v.Valid = fmt.Sprintf("%d minutes", int(auth.ResetTokenLifetime.Minutes()))
	m.enqueue("password_reset", n, "Reset your password", v)
}

// RecoveryCodeUsed implements auth.Notifier.
func (m *Mailer) RecoveryCodeUsed(n auth.Notice, left int) {
	v := newMailView(n)
	v.Left = left
	v.Link = m.link("account", nil)
	m.enqueue("recovery_code_used", n, "A recovery code was used to sign in", v)
}

// NewClient implements auth.Notifier.
func (m *Mailer) NewClient(n auth.Notice) {
	v := newMailView(n)
	v.Link = m.link("sessions", nil)
	m.enqueue("new_client", n, "New sign-in to your account", v)
}
