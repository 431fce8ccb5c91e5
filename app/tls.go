package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/config"
)

// Issue 13, native TLS (helper D).

// ServerCertCheck is the check label of ward's own certificate on
// ward_check_tls_cert_expiry_seconds, the series of the TLS checks, so
// that TLSCertExpiringSoon fires for it too.
const ServerCertCheck = "ward-server"

// certRecheck is how often a handshake looks at the certificate files:
// a stat of each, at most once a second, so rotation is seen within a
// second without a stat per connection under load.
const certRecheck = time.Second

// certGrace is how long new certificate files may fail to load before
// ward reports it. A rotation writes the key and the certificate one
// after the other, and the pair in between does not match: that is
// retried quietly (at each recheck) and reported, at WARN and once per
// version of the files, only when it lasts.
const certGrace = 5 * time.Second

// fileStamp identifies one version of a file without reading it.
type fileStamp struct {
	size    int64
	modTime time.Time
}

// certReloader serves the certificate in server.tls and reads it again
// when its files change. A pair that fails to load is logged once and
// the previous one keeps being served.
type certReloader struct {
	certFile, keyFile string
	logger            *slog.Logger
	now               func() time.Time

	mu        sync.Mutex
	cert      *tls.Certificate
	loaded    [2]fileStamp // of the pair in cert
	lastCheck time.Time
	// failingSince is when the files stopped loading; zero while they
	// load.
	failingSince time.Time
	// refused is the version of the files last reported as failing
	// (nil: none), not retried until they change.
	refused *[2]fileStamp
}

func newCertReloader(certFile, keyFile string, logger *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, logger: logger, now: time.Now}
	stamps, err := r.stamps()
	if err != nil {
		return nil, err
	}
	cert, err := config.LoadServerCertificate(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	if problem := config.CertificateProblem(cert, r.now()); problem != "" {
		// Serve it anyway: ward's alerting matters more than its
		// https, and TLSCertExpiringSoon now fires for it.
		logger.Error("server.tls: the certificate is "+problem+"; clients will refuse it", "file", certFile)
	}
	r.cert, r.loaded, r.lastCheck = cert, stamps, r.now()
	return r, nil
}

func (r *certReloader) stamps() ([2]fileStamp, error) {
	var out [2]fileStamp
	for i, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return out, err
		}
		out[i] = fileStamp{size: fi.Size(), modTime: fi.ModTime()}
	}
	return out, nil
}

// certificate returns the pair to serve, first reading the files again
// when they changed since the last load.
func (r *certReloader) certificate() *tls.Certificate {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if now.Sub(r.lastCheck) < certRecheck {
		return r.cert
	}
	r.lastCheck = now
	stamps, err := r.stamps()
	switch {
	case err == nil && stamps == r.loaded:
		r.failingSince = time.Time{}
		return r.cert
	case r.refused != nil && stamps == *r.refused:
		return r.cert
	}
	var cert *tls.Certificate
	if err == nil {
		cert, err = config.LoadServerCertificate(r.certFile, r.keyFile)
	}
	if err == nil {
		if problem := config.CertificateProblem(cert, now); problem != "" {
			err = fmt.Errorf("certificate %s is %s", r.certFile, problem)
		}
	}
	if err != nil {
		if r.failingSince.IsZero() {
			r.failingSince = now
		}
		if failing := now.Sub(r.failingSince); failing < certGrace {
			// Half-written rotations (the key before its
			// certificate) land here until the second file is in
			// place.
			r.logger.Debug("server.tls: new certificate files do not load yet; retrying", "err", err)
			return r.cert
		}
		r.refused = &stamps
		r.logger.Warn("server.tls: new certificate refused; serving the previous one", "err", err, "failing_for", now.Sub(r.failingSince).Round(time.Second).String())
		return r.cert
	}
	r.cert, r.loaded, r.failingSince, r.refused = cert, stamps, time.Time{}, nil
	r.logger.Info("server.tls: certificate reloaded", "subject", cert.Leaf.Subject.String(), "not_after", cert.Leaf.NotAfter)
	return r.cert
}

// notAfter is when the earliest certificate of the served chain expires.
func (r *certReloader) notAfter() time.Time {
	c := r.certificate()
	earliest := c.Leaf.NotAfter
	for _, der := range c.Certificate[1:] {
		if ca, err := x509.ParseCertificate(der); err == nil && ca.NotAfter.Before(earliest) {
			earliest = ca.NotAfter
		}
	}
	return earliest
}

// serverTLSConfig is ward's TLS: 1.2 and up with Go's default cipher
// suites (only AEAD suites with forward secrecy are offered first; TLS
// 1.3's are not configurable), the certificate from r, and client
// certificates verified against the client CA when configured.
func serverTLSConfig(cfg *config.Config, r *certReloader) (*tls.Config, error) {
	tc := &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return r.certificate(), nil
		},
		// HTTP/2 lets one tab's live stream share a connection.
		NextProtos: []string{"h2", "http/1.1"},
	}
	t := cfg.Server.TLS
	if t.ClientAuth == config.ClientAuthVerifyIfGiven || t.ClientAuth == config.ClientAuthRequireForAPI {
		_, _, caFile := cfg.ServerTLSPaths()
		pool, err := config.LoadClientCAs(caFile)
		if err != nil {
			return nil, fmt.Errorf("server.tls.client_ca_file: %w", err)
		}
		// Required per route, not per connection: see
		// config.ClientAuthRequireForAPI.
		tc.ClientAuth, tc.ClientCAs = tls.VerifyClientCertIfGiven, pool
	}
	return tc, nil
}

// listenTLS wraps ln in ward's TLS when server.tls is set, and exports
// the certificate's expiry on the TLS checks' series.
func (a *App) listenTLS(cfg *config.Config, ln net.Listener) (net.Listener, error) {
	if !cfg.Server.TLS.Enabled() {
		return ln, nil
	}
	certFile, keyFile, _ := cfg.ServerTLSPaths()
	r, err := newCertReloader(certFile, keyFile, a.logger)
	if err != nil {
		return nil, fmt.Errorf("server.tls: %w", err)
	}
	tc, err := serverTLSConfig(cfg, r)
	if err != nil {
		return nil, err
	}
	expiry := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "ward_check_tls_cert_expiry_seconds",
		Help:        "Seconds until the earliest certificate of the chain expires; negative once it has. check=\"" + ServerCertCheck + "\" is ward's own server certificate.",
		ConstLabels: prometheus.Labels{"check": ServerCertCheck},
	}, func() float64 { return time.Until(r.notAfter()).Seconds() })
	if err := a.reg.Register(expiry); err != nil && !errors.As(err, &prometheus.AlreadyRegisteredError{}) {
		return nil, err
	}
	return tls.NewListener(ln, tc), nil
}

// scheme is how ward is reached on its own listener.
func scheme(cfg *config.Config) string {
	if cfg.Server.TLS.Enabled() {
		return "https"
	}
	return "http"
}
