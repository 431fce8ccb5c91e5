package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Issue 13, transport (helper D): native TLS and CORS.

// ServerTLS is server.tls: ward serves https itself. The certificate and
// key files are read again when they change, without a restart (the
// running server keeps the old pair while a new one is bad).
type ServerTLS struct {
	// CertFile is the PEM certificate chain, leaf first; KeyFile its
	// private key. Relative paths are relative to the config file.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ClientCAFile is a PEM bundle of the CAs whose client certificates
	// ward accepts (mutual TLS); required unless ClientAuth is none.
	ClientCAFile string `yaml:"client_ca_file"`
	// ClientAuth is what ward asks of clients' certificates:
	// ClientAuthNone, ClientAuthVerifyIfGiven or ClientAuthRequireForAPI.
	ClientAuth string `yaml:"client_auth"`
}

// Values of server.tls.client_auth.
//
// TLS decides about certificates before the request, and so before the
// route, is known: a handshake cannot require a certificate for /api/
// and not for the sign-in page. require_for_api therefore asks for and
// verifies a certificate at the TLS layer when one is offered
// (verify_if_given) and the HTTP server refuses API routes (Prometheus'
// and Alertmanager's APIs, /metrics, ward's own API) called with an API
// token by a caller without a verified one, 401, before the token is
// looked at; pages, and the API calls they make with the session cookie
// (the charts), keep serving browsers without certificates.
const (
	ClientAuthNone          = "none"
	ClientAuthVerifyIfGiven = "verify_if_given"
	ClientAuthRequireForAPI = "require_for_api"
)

// Enabled reports whether ward serves https.
func (t ServerTLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" }

// CORS is server.cors.
type CORS struct {
	// AllowedOrigins are the exact origins (scheme://host[:port]) whose
	// scripts may call ward's API with an API token. Empty (the default)
	// allows none. No wildcard: ward never sends
	// Access-Control-Allow-Credentials, and a wildcard would let any
	// site read what a leaked token can.
	AllowedOrigins []string `yaml:"allowed_origins"`
}

// maxCORSOrigins bounds server.cors.allowed_origins.
const maxCORSOrigins = 64

// ServerTLSPaths returns server.tls's files, relative ones joined to
// the config file's directory.
func (c *Config) ServerTLSPaths() (cert, key, clientCA string) {
	dir := filepath.Dir(c.Source)
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	t := c.Server.TLS
	return abs(t.CertFile), abs(t.KeyFile), abs(t.ClientCAFile)
}

// validateServerTransport checks server.tls and server.cors, reading the
// certificate, key and client CA files so that a bad pair stops startup
// (and `ward check config`) with the key that names it. An expired
// certificate does not: `ward check config` warns about it and ward
// starts with it, alerting.
func (c *Config) validateServerTransport() []fieldError {
	v := &pathValidator{path: "server.tls"}
	t := c.Server.TLS
	switch t.ClientAuth {
	case "", ClientAuthNone, ClientAuthVerifyIfGiven, ClientAuthRequireForAPI:
	default:
		v.add("client_auth", "want %s, %s or %s, got %q", ClientAuthNone, ClientAuthVerifyIfGiven, ClientAuthRequireForAPI, t.ClientAuth)
	}
	if !t.Enabled() {
		if t.ClientCAFile != "" || (t.ClientAuth != "" && t.ClientAuth != ClientAuthNone) {
			v.add("cert_file", "required when client certificates are configured: mutual TLS needs TLS")
		}
	} else {
		if t.CertFile == "" {
			v.add("cert_file", "required with key_file")
		}
		if t.KeyFile == "" {
			v.add("key_file", "required with cert_file")
		}
		cert, key, ca := c.ServerTLSPaths()
		if t.CertFile != "" && t.KeyFile != "" {
			if _, err := LoadServerCertificate(cert, key); err != nil {
				v.add("cert_file", "%v", err)
			}
		}
		needCA := t.ClientAuth == ClientAuthVerifyIfGiven || t.ClientAuth == ClientAuthRequireForAPI
		switch {
		case needCA && t.ClientCAFile == "":
			v.add("client_ca_file", "required when client_auth is %s", t.ClientAuth)
		case !needCA && t.ClientCAFile != "":
			v.add("client_auth", "set %s or %s to use client_ca_file", ClientAuthVerifyIfGiven, ClientAuthRequireForAPI)
		case t.ClientCAFile != "":
			if _, err := LoadClientCAs(ca); err != nil {
				v.add("client_ca_file", "%v", err)
			}
		}
	}
	errs := v.errs
	origins := &pathValidator{path: "server.cors"}
	if len(c.Server.CORS.AllowedOrigins) > maxCORSOrigins {
		origins.add("allowed_origins", "%d origins, at most %d", len(c.Server.CORS.AllowedOrigins), maxCORSOrigins)
	}
	seen := map[string]bool{}
	for i, o := range c.Server.CORS.AllowedOrigins {
		key := fmt.Sprintf("allowed_origins[%d]", i)
		if msg := originProblem(o); msg != "" {
			origins.add(key, "%s", msg)
		} else if seen[o] {
			origins.add(key, "%q listed twice", o)
		}
		seen[o] = true
	}
	return append(errs, origins.errs...)
}

// originProblem says what is wrong with o as an exact CORS origin, or "".
// Browsers send Origin as scheme://host[:port], lower-case, without a
// default port, path or trailing slash; anything else would never match.
func originProblem(o string) string {
	const want = "want an exact origin such as https://grafana.example.com:3000"
	if o == "*" || strings.Contains(o, "*") {
		return fmt.Sprintf("%s; wildcards are refused, list each origin", want)
	}
	u, err := url.Parse(o)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		return fmt.Sprintf("%s, got %q", want, o)
	case u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "/") || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#"):
		return fmt.Sprintf("%s without path, query or credentials, got %q", want, o)
	case o != strings.ToLower(o):
		return fmt.Sprintf("%s in lower case, as browsers send it, got %q", want, o)
	case u.Port() == "443" && u.Scheme == "https", u.Port() == "80" && u.Scheme == "http":
		return fmt.Sprintf("%s without the default port, as browsers send it, got %q", want, o)
	}
	return ""
}

// LoadServerCertificate reads a PEM certificate chain and its key and
// checks that they match. An expired certificate loads: ward starting
// with it still alerts (TLSCertExpiringSoon fires on it), and
// CertificateProblem says what is wrong with it.
func LoadServerCertificate(certFile, keyFile string) (*tls.Certificate, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("certificate %s with key %s: %w", certFile, keyFile, err)
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return nil, fmt.Errorf("certificate %s: %w", certFile, err)
		}
	}
	return &pair, nil
}

// CertificateProblem says why c's leaf is not valid at now, or "".
func CertificateProblem(c *tls.Certificate, now time.Time) string {
	switch leaf := c.Leaf; {
	case now.After(leaf.NotAfter):
		return "expired on " + leaf.NotAfter.UTC().Format(time.RFC3339)
	case now.Before(leaf.NotBefore):
		return "not valid before " + leaf.NotBefore.UTC().Format(time.RFC3339)
	}
	return ""
}

// LoadClientCAs reads a PEM bundle of client CAs.
func LoadClientCAs(file string) (*x509.CertPool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, errors.New(file + ": no PEM certificate")
	}
	return pool, nil
}
