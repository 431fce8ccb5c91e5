package email

import (
	"fmt"
	netmail "net/mail"
	"net/textproto"
	"time"

	mail "github.com/wneessen/go-mail"
)

// thread identifies the mail thread a notification belongs to; the zero
// value means no threading headers.
type thread struct {
	groupKeyHash string
	byDate       bool
}

// newMessage builds the MIME message for one rendered notification. go-mail
// writes the multipart/alternative body (plain text first, HTML last as the
// preferred alternative), encodes headers and bodies, and adds Date and
// Message-ID.
func newMessage(r rendered, th thread, now time.Time) (*mail.Msg, error) {
	from, err := oneAddress("from", r.from)
	if err != nil {
		return nil, err
	}
	rcpts, err := netmail.ParseAddressList(r.to)
	if err != nil {
		return nil, fmt.Errorf("to: %q: %w", r.to, err)
	}

	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	m.EnvelopeFromMailAddress(from)
	if h, ok := r.headers["From"]; ok {
		shown, err := oneAddress("headers.From", h)
		if err != nil {
			return nil, err
		}
		m.FromMailAddress(shown)
	} else {
		m.FromMailAddress(from)
	}
	// A configured To header is what readers see; the envelope still goes
	// to the "to" addresses, as with Alertmanager. Bcc carries them without
	// adding a second To header.
	if h, ok := r.headers["To"]; ok {
		m.SetGenHeader(mail.Header(mail.HeaderTo), h)
		m.BccMailAddress(rcpts...)
	} else {
		m.ToMailAddress(rcpts...)
	}
	m.Subject(r.subject)
	m.SetUserAgent("ward")

	for name, value := range r.headers {
		if name == "From" || name == "To" {
			continue
		}
		if h, ok := headerName(name); ok {
			m.SetGenHeader(h, value)
		}
	}
	if th.groupKeyHash != "" {
		setThreadHeaders(m, th, now)
	}

	m.SetBodyString(mail.TypeTextPlain, r.text)
	m.AddAlternativeString(mail.TypeTextHTML, r.html)
	return m, nil
}

// oneAddress parses a field that must hold exactly one mailbox.
func oneAddress(field, s string) (*netmail.Address, error) {
	addrs, err := netmail.ParseAddressList(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %q: %w", field, s, err)
	}
	if len(addrs) != 1 {
		return nil, fmt.Errorf("%s: %q: need exactly one address, got %d", field, s, len(addrs))
	}
	return addrs[0], nil
}

// headerName maps a configured header onto the name go-mail should write.
// Headers go-mail sets by default use its spelling, so a configured value
// replaces the default instead of appearing twice. Headers describing the
// MIME structure are refused (false): go-mail writes those itself, and a
// configured value would corrupt the message.
func headerName(name string) (mail.Header, bool) {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Content-Type", "Content-Transfer-Encoding", "Mime-Version":
		return "", false
	case "Message-Id":
		return mail.HeaderMessageID, true
	case "Date":
		return mail.HeaderDate, true
	case "User-Agent":
		return mail.HeaderUserAgent, true
	case "X-Mailer":
		return mail.HeaderXMailer, true
	}
	return mail.Header(name), true
}

// setThreadHeaders points References and In-Reply-To at a thread root that
// no real message has, so mail clients using the JWZ algorithm group every
// notification of one alert group (firing and resolved) together. It
// matches Alertmanager's threading option.
func setThreadHeaders(m *mail.Msg, th thread, now time.Time) {
	day := ""
	if th.byDate {
		day = now.Format("2006-01-02")
	}
	root := fmt.Sprintf("<alert-%s-%s@alertmanager>", th.groupKeyHash, day)
	m.SetGenHeader(mail.HeaderReferences, root)
	m.SetGenHeader(mail.HeaderInReplyTo, root)
}
