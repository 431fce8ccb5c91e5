package checks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"syscall"
)

// Failure reasons: the value of the reason label on
// ward_check_failures_total and Result.Reason. They say what to look at,
// not only that something failed.
const (
	ReasonTimeout  = "timeout"   // no answer within the check's timeout
	ReasonNetwork  = "network"   // refused, unreachable, reset, DNS
	ReasonTLS      = "tls"       // handshake or certificate verification
	ReasonAuth     = "auth"      // credentials rejected
	ReasonConfig   = "config"    // a secret file or variable missing, a bad DSN
	ReasonQuery    = "query"     // postgres: the custom query failed or differed
	ReasonNoBucket = "no_bucket" // s3: the bucket does not exist
	ReasonChecksum = "checksum"  // s3: the canary read back differs
	ReasonStatus   = "status"    // http: unexpected status code
	ReasonBody     = "body"      // http: body does not match body_regexp
	ReasonError    = "error"     // anything else
)

// failure is an error whose reason the probe already knows.
type failure struct {
	reason string
	err    error
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// fail marks err with reason; a nil err stays nil.
func fail(reason string, err error) error {
	if err == nil {
		return nil
	}
	return &failure{reason: reason, err: err}
}

// reasonOf returns the reason a probe gave err, or classifies it.
func reasonOf(err error) string {
	if f, ok := errors.AsType[*failure](err); ok {
		return f.reason
	}
	return classify(err)
}

// classify sorts transport-level errors: timeouts, TLS, network.
func classify(err error) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return ReasonTimeout
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return ReasonTimeout
	}
	if isTLSError(err) {
		return ReasonTLS
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return ReasonNetwork
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		return ReasonNetwork
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return ReasonNetwork
	}
	return ReasonError
}

func isTLSError(err error) bool {
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.HostnameError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.CertificateInvalidError](err); ok {
		return true
	}
	if _, ok := errors.AsType[tls.RecordHeaderError](err); ok {
		return true
	}
	if _, ok := errors.AsType[tls.AlertError](err); ok {
		return true
	}
	return false
}
