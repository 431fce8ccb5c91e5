package servicetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// StartS3TLS starts versitygw serving HTTPS with a self-signed
// certificate for "localhost" (generated here; S3 clients such as
// pgBackRest want a name, not an IP). Endpoint is https://localhost:PORT
// and CertPEM the certificate, for clients that verify it.
func StartS3TLS(tb testing.TB) *S3 {
	tb.Helper()
	bin := lookVersitygw(tb)
	addr := FreeAddr(tb)
	_, port, _ := net.SplitHostPort(addr)
	dir := tb.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	certPEM := writeSelfSigned(tb, certFile, keyFile)
	s := &S3{Endpoint: "https://localhost:" + port, Region: "us-east-1", AccessKey: "wardtestkey", SecretKey: "ward-test-secret-5c1f9e", CertPEM: certPEM}
	env := []string{"ROOT_ACCESS_KEY=" + s.AccessKey, "ROOT_SECRET_KEY=" + s.SecretKey}
	client := tlsClient(certPEM)
	ready := func() error {
		resp, err := client.Get(s.Endpoint + "/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	s.proc = StartProcess(tb, ready, env, bin, "--port", addr, "--cert", certFile, "--key", keyFile, "posix", tb.TempDir())
	return s
}

// tlsClient trusts certPEM only.
func tlsClient(certPEM []byte) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// Port is the gateway's TCP port.
func (s *S3) Port() string {
	return s.Endpoint[strings.LastIndexByte(s.Endpoint, ':')+1:]
}

// writeSelfSigned writes a one-day ECDSA certificate for localhost and
// 127.0.0.1 and its key, and returns the certificate's PEM.
func writeSelfSigned(tb testing.TB, certFile, keyFile string) []byte {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return certPEM
}
