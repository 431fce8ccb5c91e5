package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	mail "github.com/wneessen/go-mail"

	commoncfg "github.com/prometheus/common/config"

	amemail "github.com/prometheus/alertmanager/notify/email"
)

// defaultTimeout bounds one SMTP conversation when the caller's context has
// no deadline. Alertmanager's pipeline always sets one.
const defaultTimeout = 30 * time.Second

// transport is the SMTP side of one email config: where to connect, how to
// secure the connection and how to authenticate.
type transport struct {
	host        string
	port        int
	implicitTLS bool // TLS from the first byte (SMTPS), not STARTTLS
	requireTLS  bool // STARTTLS is mandatory; otherwise it is not attempted
	tlsConfig   commoncfg.TLSConfig
	hello       string
	creds       *credentials // nil: do not authenticate
	logger      *slog.Logger
}

// newTransport checks the connection settings of cfg. It reports every
// problem at once.
func newTransport(cfg *amemail.EmailConfig, logger *slog.Logger) (*transport, error) {
	t := &transport{
		host:       cfg.Smarthost.Host,
		hello:      cfg.Hello,
		requireTLS: cfg.RequireTLS == nil || *cfg.RequireTLS, // Alertmanager's default
		logger:     logger,
	}
	var errs []error
	if t.host == "" {
		errs = append(errs, errors.New("smarthost: host required"))
	}
	port, err := net.LookupPort("tcp", cfg.Smarthost.Port)
	if err != nil || port == 0 {
		errs = append(errs, fmt.Errorf("smarthost: invalid port %q", cfg.Smarthost.Port))
	}
	t.port = port
	// Like Alertmanager: force_implicit_tls decides; unset, port 465 means SMTPS.
	if cfg.ForceImplicitTLS != nil {
		t.implicitTLS = *cfg.ForceImplicitTLS
	} else {
		t.implicitTLS = t.port == 465
	}
	if cfg.TLSConfig != nil {
		t.tlsConfig = *cfg.TLSConfig
	}
	if _, err := t.newTLSConfig(); err != nil {
		errs = append(errs, err)
	}
	if t.creds, err = newCredentials(cfg); err != nil {
		errs = append(errs, err)
	}
	return t, errors.Join(errs...)
}

// newTLSConfig builds the TLS client config. It runs on every send so a
// renewed CA file is picked up, as in Alertmanager.
func (t *transport) newTLSConfig() (*tls.Config, error) {
	c, err := commoncfg.NewTLSConfig(&t.tlsConfig)
	if err != nil {
		return nil, fmt.Errorf("tls_config: %w", err)
	}
	if c.ServerName == "" {
		c.ServerName = t.host
	}
	return c, nil
}

// send delivers msg over one SMTP connection. The connection is closed as
// soon as ctx is done, so a hung server cannot outlive the caller's deadline.
// The returned error never contains the password or secret.
func (t *transport) send(ctx context.Context, msg *mail.Msg) (err error) {
	client, stop, err := t.newClient(ctx)
	if err != nil {
		return err
	}
	defer stop()

	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", client.ServerAddr(), err)
	}
	defer func() {
		if cerr := client.CloseWithSMTPClient(conn); cerr != nil && err == nil {
			t.logger.Debug("closing SMTP connection after delivery", "err", cerr)
		}
	}()

	// Authenticate here rather than through go-mail's options so that, as in
	// Alertmanager, the mechanism follows the server's AUTH list and a server
	// without AUTH is not an error.
	if t.creds != nil {
		if ok, mechs := conn.Extension("AUTH"); ok {
			auth, secret, err := t.creds.mechanism(mechs, t.host)
			if err != nil {
				return fmt.Errorf("smtp auth: %w", err)
			}
			if err := conn.Auth(auth); err != nil {
				return redact(fmt.Errorf("smtp auth: %w", err), secret)
			}
		} else {
			t.logger.Warn("SMTP server does not offer AUTH; sending without authentication", "smarthost", client.ServerAddr())
		}
	}

	if err := client.SendWithSMTPClient(conn, msg); err != nil {
		return fmt.Errorf("send via %s: %w", client.ServerAddr(), err)
	}
	return nil
}

// newClient configures a go-mail client for one send. Its dialer ties the
// connection to ctx: stop must be called once the send is over.
func (t *transport) newClient(ctx context.Context) (client *mail.Client, stop func(), err error) {
	timeout := defaultTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = time.Until(deadline)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if timeout <= 0 {
		return nil, nil, context.DeadlineExceeded
	}
	tlsConfig, err := t.newTLSConfig()
	if err != nil {
		return nil, nil, err
	}

	var stopClose func() bool
	stop = func() {
		if stopClose != nil {
			stopClose()
		}
	}
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{}
		var conn net.Conn
		var err error
		if t.implicitTLS {
			conn, err = (&tls.Dialer{NetDialer: d, Config: tlsConfig}).DialContext(dialCtx, network, addr)
		} else {
			conn, err = d.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		// go-mail bounds each command by the timeout but only watches ctx
		// while dialing; closing the connection ends a send in any phase.
		stopClose = context.AfterFunc(ctx, func() { _ = conn.Close() })
		return conn, nil
	}

	opts := []mail.Option{
		mail.WithPort(t.port),
		mail.WithTimeout(timeout),
		mail.WithDialContextFunc(dial),
		mail.WithTLSConfig(tlsConfig),
	}
	switch {
	case t.implicitTLS:
		opts = append(opts, mail.WithSSL()) // the dialer does the handshake
	case t.requireTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		// Alertmanager does not attempt STARTTLS when require_tls is false.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if t.hello != "" {
		opts = append(opts, mail.WithHELO(t.hello))
	}
	client, err = mail.NewClient(t.host, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("smtp client: %w", err)
	}
	return client, stop, nil
}

// Transport sends mail that ward writes itself (password-reset links,
// security notices) through the same SMTP handling as the notifier:
// STARTTLS or implicit TLS, tls_config, and AUTH chosen from the server's
// list. It is safe for concurrent use; every Send opens its own connection.
type Transport struct {
	t    *transport
	from string
}

// Message is one mail for a Transport. go-mail writes it as
// multipart/alternative with Text first and HTML as the preferred part.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// NewTransport checks the connection settings of cfg (smarthost, from,
// hello, auth_*, require_tls, force_implicit_tls, tls_config; the other
// fields are ignored) without connecting, and reports every problem at
// once. cfg is only read, now and later.
func NewTransport(cfg *amemail.EmailConfig, logger *slog.Logger) (*Transport, error) {
	if cfg == nil {
		return nil, errors.New("email: nil config")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	t, err := newTransport(cfg, logger)
	if _, ferr := oneAddress("from", cfg.From); ferr != nil {
		err = errors.Join(err, ferr)
	}
	if err != nil {
		return nil, err
	}
	return &Transport{t: t, from: cfg.From}, nil
}

// Send delivers m. The connection is closed when ctx ends, so ctx's
// deadline bounds the whole conversation (30s when it has none). The
// error never holds the SMTP password.
func (t *Transport) Send(ctx context.Context, m Message) error {
	msg, err := newMessage(rendered{from: t.from, to: m.To, subject: m.Subject, text: m.Text, html: m.HTML}, thread{}, time.Now())
	if err != nil {
		return err
	}
	return t.t.send(ctx, msg)
}
