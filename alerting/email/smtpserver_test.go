package email

import (
	"testing"

	smtpd "github.com/emersion/go-smtp"

	"github.com/ward-monitoring/ward/servicetest"
)

// Credentials the test server accepts.
const (
	testUser     = servicetest.SMTPUser
	testPassword = servicetest.SMTPPassword
)

// received is one message as the test server got it.
type received struct {
	from     string
	to       []string
	tls      bool   // the session was encrypted when DATA arrived
	authUser string // who authenticated, empty if nobody
	data     []byte
}

// mailServer is servicetest's real SMTP server: self-signed certificate
// for localhost and 127.0.0.1, AUTH PLAIN required and offered only over
// TLS.
type mailServer struct {
	*servicetest.SMTPServer
	port   string
	caFile string // PEM of the server certificate, for tls_config.ca_file
}

// startMailServer starts a server that speaks STARTTLS on a plain listener,
// or TLS from the first byte when implicitTLS is set; rcptErr, when set,
// is the reply to every RCPT TO.
func startMailServer(tb testing.TB, implicitTLS bool, rcptErr *smtpd.SMTPError) *mailServer {
	tb.Helper()
	s := servicetest.StartSMTP(tb, servicetest.SMTPOptions{ImplicitTLS: implicitTLS, RcptErr: rcptErr})
	return &mailServer{SMTPServer: s, port: s.Port, caFile: s.CAFile}
}

// messages returns what the server has received so far.
func (s *mailServer) messages() []received {
	var out []received
	for _, m := range s.Messages() {
		out = append(out, received{from: m.From, to: m.To, tls: m.TLS, authUser: m.AuthUser, data: m.Data})
	}
	return out
}
