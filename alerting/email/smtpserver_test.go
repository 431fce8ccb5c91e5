package email

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

// Credentials the test server accepts.
const (
	testUser     = "ward"
	testPassword = "correct-horse-battery-staple"
)

// received is one message as the test server got it.
type received struct {
	from     string
	to       []string
	tls      bool   // the session was encrypted when DATA arrived
	authUser string // who authenticated, empty if nobody
	data     []byte
}

// mailServer is a real SMTP server on 127.0.0.1 with a self-signed
// certificate for localhost and 127.0.0.1. It requires AUTH PLAIN, which it
// only offers over TLS.
type mailServer struct {
	port   string
	caFile string // PEM of the server certificate, for tls_config.ca_file

	// rcptErr, when set, is the reply to every RCPT TO.
	rcptErr *smtpd.SMTPError

	mu   sync.Mutex
	msgs []received
}

// startMailServer starts a server that speaks STARTTLS on a plain listener,
// or TLS from the first byte when implicitTLS is set.
func startMailServer(tb testing.TB, implicitTLS bool, rcptErr *smtpd.SMTPError) *mailServer {
	tb.Helper()
	cert, caFile := selfSignedCert(tb)
	s := &mailServer{caFile: caFile, rcptErr: rcptErr}

	srv := smtpd.NewServer(smtpd.BackendFunc(func(c *smtpd.Conn) (smtpd.Session, error) {
		return &session{server: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	_, s.port, _ = net.SplitHostPort(l.Addr().String())
	if implicitTLS {
		l = tls.NewListener(l, srv.TLSConfig)
	}
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() { _ = srv.Close() })
	return s
}

// messages returns what the server has received so far.
func (s *mailServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// session is one SMTP connection to mailServer.
type session struct {
	server   *mailServer
	conn     *smtpd.Conn
	authUser string
	from     string
	to       []string
}

var _ smtpd.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != testUser || password != testPassword {
			return smtpd.ErrAuthFailed
		}
		s.authUser = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtpd.MailOptions) error {
	if s.authUser == "" {
		return smtpd.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtpd.RcptOptions) error {
	if s.server.rcptErr != nil {
		return s.server.rcptErr
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.server.mu.Lock()
	defer s.server.mu.Unlock()
	s.server.msgs = append(s.server.msgs, received{
		from: s.from, to: s.to, tls: isTLS, authUser: s.authUser, data: b,
	})
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }

// selfSignedCert makes a certificate for localhost and 127.0.0.1 that is its
// own CA, and writes it as PEM for tls_config.ca_file.
func selfSignedCert(tb testing.TB) (tls.Certificate, string) {
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
