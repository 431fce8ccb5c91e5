package checks

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/version"

	"github.com/ward-monitoring/ward/config"
)

// Issue 13: the headers kind scores a monitored app's response headers
// against the OWASP secure-headers set, the one ward serves itself
// (ui/middleware.go).

// Series of a headers check.
const (
	// headersScoreMetric is the share of the applicable headers that
	// pass, 0 to 1; a weak header counts half.
	headersScoreMetric = "ward_check_headers_score"
	// headersPassedMetric is 1 for each header that passes and 0 for a
	// missing or weak one; header is one of secureHeaders' names, so
	// the series are bounded.
	headersPassedMetric = "ward_check_headers_passed"
)

// headersWeakScore is the score under which a headers check shows as
// weak (Result.Warning), the threshold of the SecurityHeadersWeak alert
// (rules/builtin/checks.yml).
const headersWeakScore = 0.8

// minHSTSMaxAge is the shortest HSTS lifetime that passes: a year.
const minHSTSMaxAge = 365 * 24 * 60 * 60

// Grades of one header.
const (
	gradePass    = "pass"
	gradeWeak    = "weak"
	gradeMissing = "missing"
)

// headerGrade is how one header of the set fares, with why when it
// does not pass.
type headerGrade struct {
	name, grade, why string
}

// secureHeader is one header of the set and how to grade its value ("" when
// absent): the grade, and why when weak.
type secureHeader struct {
	name string
	// httpsOnly headers are not graded over plain http.
	httpsOnly bool
	grade     func(v string, h http.Header) (string, string)
}

var secureHeaders = []secureHeader{
	{"Strict-Transport-Security", true, gradeHSTS},
	{"Content-Security-Policy", false, gradeCSP},
	{"X-Content-Type-Options", false, func(v string, _ http.Header) (string, string) {
		return exact(v, "nosniff")
	}},
	{"X-Frame-Options", false, func(v string, h http.Header) (string, string) {
		// CSP frame-ancestors supersedes it.
		if v == "" && strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors") {
			return gradePass, ""
		}
		switch strings.ToUpper(v) {
		case "DENY", "SAMEORIGIN":
			return gradePass, ""
		case "":
			return gradeMissing, ""
		}
		return gradeWeak, fmt.Sprintf("%q is neither DENY nor SAMEORIGIN", v)
	}},
	{"Referrer-Policy", false, func(v string, _ http.Header) (string, string) {
		// The last policy a browser knows wins; grade that one.
		last := strings.TrimSpace(v[strings.LastIndexByte(v, ',')+1:])
		switch strings.ToLower(last) {
		case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
			return gradePass, ""
		case "":
			return gradeMissing, ""
		}
		return gradeWeak, fmt.Sprintf("%q sends the path to other sites or over http", last)
	}},
	{"Permissions-Policy", false, func(v string, _ http.Header) (string, string) {
		if v == "" {
			return gradeMissing, ""
		}
		for _, f := range strings.Split(v, ",") {
			if _, allow, _ := strings.Cut(strings.TrimSpace(f), "="); strings.Contains(allow, "*") {
				return gradeWeak, fmt.Sprintf("%q allows a feature to every origin", strings.TrimSpace(f))
			}
		}
		return gradePass, ""
	}},
	{"Cross-Origin-Opener-Policy", false, func(v string, _ http.Header) (string, string) {
		return exact(v, "same-origin")
	}},
	{"Cross-Origin-Resource-Policy", false, func(v string, _ http.Header) (string, string) {
		if v == "same-site" {
			return gradePass, ""
		}
		return exact(v, "same-origin")
	}},
}

// exact grades a header that has one good value.
func exact(v, want string) (string, string) {
	switch {
	case v == "":
		return gradeMissing, ""
	case strings.EqualFold(strings.TrimSpace(v), want):
		return gradePass, ""
	}
	return gradeWeak, fmt.Sprintf("%q, want %s", v, want)
}

func gradeHSTS(v string, _ http.Header) (string, string) {
	if v == "" {
		return gradeMissing, ""
	}
	for _, d := range strings.Split(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		if !strings.EqualFold(k, "max-age") {
			continue
		}
		n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
		if err != nil {
			return gradeWeak, fmt.Sprintf("max-age %q is not a number", val)
		}
		if n < minHSTSMaxAge {
			return gradeWeak, fmt.Sprintf("max-age %d is under a year (%d)", n, minHSTSMaxAge)
		}
		return gradePass, ""
	}
	return gradeWeak, "no max-age"
}

// gradeCSP passes a policy that restricts scripts without 'unsafe-inline'
// or 'unsafe-eval' and sets object-src (or a default-src 'none'),
// base-uri and frame-ancestors.
func gradeCSP(v string, _ http.Header) (string, string) {
	if v == "" {
		return gradeMissing, ""
	}
	dirs := map[string]string{}
	for _, d := range strings.Split(v, ";") {
		f := strings.Fields(strings.ToLower(d))
		if len(f) > 0 {
			if _, dup := dirs[f[0]]; !dup {
				dirs[f[0]] = strings.Join(f[1:], " ")
			}
		}
	}
	script, ok := dirs["script-src"]
	if !ok {
		script, ok = dirs["default-src"]
	}
	var weak []string
	switch {
	case !ok:
		weak = append(weak, "no script-src or default-src")
	case strings.Contains(script, "'unsafe-inline'") && !strings.Contains(script, "'nonce-") && !strings.Contains(script, "'sha"):
		weak = append(weak, "scripts allow 'unsafe-inline'")
	}
	if strings.Contains(script, "'unsafe-eval'") {
		weak = append(weak, "scripts allow 'unsafe-eval'")
	}
	for _, src := range strings.Fields(script) {
		if src == "*" || src == "http:" || src == "https:" || src == "data:" {
			weak = append(weak, fmt.Sprintf("scripts from %s", src))
		}
	}
	if _, ok := dirs["object-src"]; !ok && dirs["default-src"] != "'none'" {
		weak = append(weak, "no object-src")
	}
	for _, d := range []string{"base-uri", "frame-ancestors"} {
		if _, ok := dirs[d]; !ok {
			weak = append(weak, "no "+d)
		}
	}
	if len(weak) > 0 {
		return gradeWeak, strings.Join(weak, ", ")
	}
	return gradePass, ""
}

// scoreHeaders grades every header of the set that applies (HSTS only
// over https) and returns the grades and the score.
func scoreHeaders(h http.Header, https bool) ([]headerGrade, float64) {
	var out []headerGrade
	points := 0.0
	for _, sh := range secureHeaders {
		if sh.httpsOnly && !https {
			continue
		}
		v := strings.TrimSpace(strings.Join(h.Values(sh.name), ", "))
		g, why := sh.grade(v, h)
		switch g {
		case gradePass:
			points++
		case gradeWeak:
			points += 0.5
		}
		out = append(out, headerGrade{name: sh.name, grade: g, why: why})
	}
	return out, points / float64(len(out))
}

// headersProber GETs a URL and scores its response headers.
type headersProber struct{ spec *config.HeadersCheck }

var _ prober = (*headersProber)(nil)

// headersReasons are the failure reasons a headers check reports: only
// failures to get an answer. Weak headers lower the score, which
// SecurityHeadersWeak alerts on; the check itself stays up, marked weak
// under headersWeakScore.
var headersReasons = []string{ReasonTimeout, ReasonNetwork, ReasonTLS, ReasonConfig, ReasonError}

func newHeadersProber(cfg config.Check) (prober, error) {
	spec, err := specOf[*config.HeadersCheck](cfg)
	if err != nil {
		return nil, err
	}
	return &headersProber{spec: spec}, nil
}

func (p *headersProber) probe(ctx context.Context, r *report) error {
	tc, err := tlsConfig(p.spec.TLSConfig, "")
	if err != nil {
		return err
	}
	tr := &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	// Redirects are not followed: the headers of the URL's own answer
	// are graded (a redirect to a login page must carry them too).
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.spec.URL, nil)
	if err != nil {
		return fail(ReasonConfig, fmt.Errorf("request: %w", err))
	}
	req.Header.Set("User-Agent", "ward/"+version.Version)
	resp, err := client.Do(req)
	if err != nil {
		return httpError(err)
	}
	resp.Body.Close()
	reportCertExpiry(r, resp.TLS, time.Now())
	grades, score := scoreHeaders(resp.Header, resp.TLS != nil)
	r.gauge(headersScoreMetric, score)
	var missing, weak []string
	for _, g := range grades {
		passed := 0.0
		switch g.grade {
		case gradePass:
			passed = 1
		case gradeMissing:
			missing = append(missing, g.name)
		case gradeWeak:
			weak = append(weak, g.name+" ("+g.why+")")
		}
		r.gauge(headersPassedMetric, passed, "header", strings.ToLower(g.name))
	}
	r.detail("HTTP %d, headers score %.0f%%", resp.StatusCode, score*100)
	if len(missing) > 0 {
		r.detail("missing %s", strings.Join(missing, ", "))
	}
	if len(weak) > 0 {
		r.detail("weak %s", strings.Join(weak, "; "))
	}
	if score < headersWeakScore {
		r.warn("headers score %.0f%%, under %.0f%%", score*100, headersWeakScore*100)
	}
	return nil
}
