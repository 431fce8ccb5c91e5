package checks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/version"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/secret"
)

// maxBodyBytes bounds how much of a response body_regexp looks at.
const maxBodyBytes = 1 << 20

// httpProber requests a URL and checks status, body and certificate.
type httpProber struct {
	spec *config.HTTPCheck
	body *regexp.Regexp
}

var _ prober = (*httpProber)(nil)

// httpReasons are the failure reasons an HTTP check reports.
var httpReasons = []string{ReasonTimeout, ReasonNetwork, ReasonTLS, ReasonAuth, ReasonConfig, ReasonStatus, ReasonBody, ReasonError}

func newHTTPProber(cfg config.Check) (prober, error) {
	spec, err := specOf[*config.HTTPCheck](cfg)
	if err != nil {
		return nil, err
	}
	p := &httpProber{spec: spec}
	if spec.BodyRegexp != "" {
		re, err := regexp.Compile(spec.BodyRegexp)
		if err != nil {
			return nil, fmt.Errorf("checks: %s: body_regexp: %w", cfg.Name, err)
		}
		p.body = re
	}
	return p, nil
}

func (p *httpProber) probe(ctx context.Context, r *report) error {
	tc, err := tlsConfig(p.spec.TLSConfig, "")
	if err != nil {
		return err
	}
	// A new transport per run without keep-alives: every run measures
	// DNS, connect and handshake, as a user's first request would.
	tr := &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	req, err := http.NewRequestWithContext(ctx, p.spec.Method, p.spec.URL, nil)
	if err != nil {
		return fail(ReasonConfig, fmt.Errorf("request: %w", err))
	}
	req.Header.Set("User-Agent", "ward/"+version.Version)
	for k, v := range p.spec.Headers {
		r.secret(v)
		if strings.EqualFold(k, "Host") {
			req.Host = string(v)
			continue
		}
		req.Header.Set(k, string(v))
	}
	if p.spec.PasswordEnv != "" || p.spec.PasswordFile != "" {
		pw, err := secret.Read(p.spec.PasswordEnv, p.spec.PasswordFile)
		if err != nil {
			return fail(ReasonConfig, fmt.Errorf("password: %w", err))
		}
		r.secret(pw)
		req.SetBasicAuth(p.spec.Username, string(pw))
	}

	resp, err := client.Do(req)
	if err != nil {
		return httpError(err)
	}
	defer resp.Body.Close()
	r.gauge("ward_check_http_status_code", float64(resp.StatusCode))
	r.detail("HTTP %d", resp.StatusCode)
	reportCertExpiry(r, resp.TLS, time.Now())

	if !p.statusOK(resp.StatusCode) {
		reason := ReasonStatus
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			reason = ReasonAuth
		}
		return fail(reason, fmt.Errorf("unexpected status %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
	}
	if p.body != nil {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
		if err != nil {
			return fmt.Errorf("read body: %w", err)
		}
		if !p.body.Match(body) {
			return fail(ReasonBody, fmt.Errorf("body does not match %q", p.spec.BodyRegexp))
		}
	}
	return nil
}

func (p *httpProber) statusOK(code int) bool {
	if len(p.spec.ExpectStatus) == 0 {
		return code >= 200 && code < 300
	}
	return slices.Contains(p.spec.ExpectStatus, code)
}

// httpError classifies a failed request; net/http wraps TLS errors in
// ways classify cannot always see through.
func httpError(err error) error {
	err = fmt.Errorf("request: %w", err)
	if reason := classify(err); reason != ReasonError {
		return fail(reason, err)
	}
	if strings.Contains(err.Error(), "tls: ") {
		return fail(ReasonTLS, err)
	}
	return err
}
