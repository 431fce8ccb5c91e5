package servicetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	smtpd "github.com/emersion/go-smtp"
)

// Credentials every SMTP server from this package accepts.
const (
	SMTPUser     = "ward"
	SMTPPassword = "correct-horse-battery-staple"
)

// SMTPOptions configure a test SMTP server.
type SMTPOptions struct {
	// ImplicitTLS speaks TLS from the first byte (SMTPS); otherwise the
	// listener is plain and offers STARTTLS.
	ImplicitTLS bool
	// RcptErr, when set, is the reply to every RCPT TO.
	RcptErr *smtpd.SMTPError
}

// SMTPServer is a real SMTP server (emersion/go-smtp) on 127.0.0.1 with a
// self-signed certificate for localhost and 127.0.0.1. It requires AUTH
// PLAIN as SMTPUser/SMTPPassword, which it only offers over TLS, and keeps
// every message it accepts.
type SMTPServer struct {
	// Addr is host:port; Port is its port alone.
	Addr, Port string
	// CAFile is the PEM of the server certificate, for tls_config.ca_file.
	CAFile string

	opts SMTPOptions
	mu   sync.Mutex
	msgs []SMTPMessage
	got  chan struct{} // closed and replaced on every message
}

// SMTPMessage is one message as the server received it.
type SMTPMessage struct {
	From     string
	To       []string
	TLS      bool   // the session was encrypted when DATA arrived
	AuthUser string // who authenticated, empty if nobody
	Data     []byte
}

// SMTP starts an SMTP server offering STARTTLS for the test's lifetime.
func SMTP(tb testing.TB) *SMTPServer {
	tb.Helper()
	return StartSMTP(tb, SMTPOptions{})
}

// StartSMTP starts an SMTP server with opts for the test's lifetime.
func StartSMTP(tb testing.TB, opts SMTPOptions) *SMTPServer {
	tb.Helper()
	cert, caFile := SelfSignedCert(tb)
	s := &SMTPServer{CAFile: caFile, opts: opts, got: make(chan struct{})}

	srv := smtpd.NewServer(smtpd.BackendFunc(func(c *smtpd.Conn) (smtpd.Session, error) {
		return &smtpSession{server: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("servicetest: smtp listen: %v", err)
	}
	s.Addr = l.Addr().String()
	_, s.Port, _ = net.SplitHostPort(s.Addr)
	if opts.ImplicitTLS {
		l = tls.NewListener(l, srv.TLSConfig)
	}
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() { _ = srv.Close() })
	return s
}

// Messages returns what the server has received so far.
func (s *SMTPServer) Messages() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMessage(nil), s.msgs...)
}

// WaitMessages waits until the server holds at least n messages and
// returns them, or fails the test after 30 seconds.
func (s *SMTPServer) WaitMessages(tb testing.TB, n int) []SMTPMessage {
	tb.Helper()
	deadline := time.After(30 * time.Second)
	for {
		s.mu.Lock()
		msgs, got := append([]SMTPMessage(nil), s.msgs...), s.got
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-got:
		case <-deadline:
			tb.Fatalf("servicetest: smtp server received %d messages, want %d", len(msgs), n)
		}
	}
}

// smtpSession is one SMTP connection to an SMTPServer.
type smtpSession struct {
	server   *SMTPServer
	conn     *smtpd.Conn
	authUser string
	from     string
	to       []string
}

var _ smtpd.AuthSession = (*smtpSession)(nil)

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != SMTPUser || password != SMTPPassword {
			return smtpd.ErrAuthFailed
		}
		s.authUser = username
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtpd.MailOptions) error {
	if s.authUser == "" {
		return smtpd.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtpd.RcptOptions) error {
	if s.server.opts.RcptErr != nil {
		return s.server.opts.RcptErr
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.server.mu.Lock()
	defer s.server.mu.Unlock()
	s.server.msgs = append(s.server.msgs, SMTPMessage{
		From: s.from, To: s.to, TLS: isTLS, AuthUser: s.authUser, Data: b,
	})
	close(s.server.got)
	s.server.got = make(chan struct{})
	return nil
}

func (s *smtpSession) Reset() { s.from, s.to = "", nil }

func (s *smtpSession) Logout() error { return nil }

// SelfSignedCert makes a certificate for localhost and 127.0.0.1 that is
// its own CA, and writes it as PEM for tls_config.ca_file.
func SelfSignedCert(tb testing.TB) (tls.Certificate, string) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	caFile := filepath.Join(tb.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caFile
}

// HungSMTP starts a server that accepts connections and never says a
// word, as a wedged mail server does. It returns its host:port and a
// channel that receives once per accepted connection. The connections
// stay open until the test ends.
func HungSMTP(tb testing.TB) (addr string, accepted <-chan struct{}) {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("servicetest: hung smtp listen: %v", err)
	}
	tb.Cleanup(func() { _ = l.Close() })
	acc := make(chan struct{}, 64)
	go func() {
		var conns []net.Conn
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range conns {
					_ = c.Close()
				}
				return
			}
			conns = append(conns, c)
			select {
			case acc <- struct{}{}:
			default:
			}
		}
	}()
	return l.Addr().String(), acc
}
