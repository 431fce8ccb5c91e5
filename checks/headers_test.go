package checks

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/config"
)

// TestHeadersCheck runs the headers kind against real local servers: one
// serving the full set, one serving none, and one serving weak values;
// each is scored and names its missing and weak headers.
func TestHeadersCheck(t *testing.T) {
	good := map[string]string{
		"Strict-Transport-Security":    "max-age=31536000; includeSubDomains",
		"Content-Security-Policy":      "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "no-referrer",
		"Permissions-Policy":           "camera=(), microphone=()",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
	}
	weak := map[string]string{
		"Strict-Transport-Security":    "max-age=300",
		"Content-Security-Policy":      "default-src 'self' 'unsafe-inline'",
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "ALLOW-FROM https://a.example",
		"Referrer-Policy":              "unsafe-url",
		"Permissions-Policy":           "camera=*",
		"Cross-Origin-Opener-Policy":   "unsafe-none",
		"Cross-Origin-Resource-Policy": "cross-origin",
	}
	serve := func(h map[string]string, tls bool) *httptest.Server {
		handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range h {
				w.Header().Set(k, v)
			}
			// A redirect to sign in: its own headers are graded.
			http.Redirect(w, r, "/login", http.StatusFound)
		})
		if tls {
			return httptest.NewTLSServer(handler)
		}
		return httptest.NewServer(handler)
	}
	for _, tc := range []struct {
		name    string
		headers map[string]string
		tls     bool
		score   float64
		details []string
	}{
		{"full set over https", good, true, 1, []string{"HTTP 302, headers score 100%"}},
		{"full set over http (no HSTS graded)", good, false, 1, []string{"headers score 100%"}},
		{"none", nil, true, 0, []string{"headers score 0%", "missing Strict-Transport-Security, Content-Security-Policy, X-Content-Type-Options, X-Frame-Options, Referrer-Policy, Permissions-Policy, Cross-Origin-Opener-Policy, Cross-Origin-Resource-Policy"}},
		{"weak", weak, true, (0.5*7 + 1) / 8, []string{
			"headers score 56%",
			"Strict-Transport-Security (max-age 300 is under a year",
			"Content-Security-Policy (scripts allow 'unsafe-inline', no object-src, no base-uri, no frame-ancestors)",
			`Referrer-Policy ("unsafe-url"`, `Permissions-Policy ("camera=*" allows`,
			`Cross-Origin-Opener-Policy ("unsafe-none", want same-origin)`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(tc.headers, tc.tls)
			defer srv.Close()
			spec := &config.HeadersCheck{URL: srv.URL + "/"}
			if tc.tls {
				spec.TLSConfig.InsecureSkipVerify = true // httptest's own certificate
			}
			cfg := config.Check{Name: "app-headers", Kind: config.CheckHeaders, Timeout: config.DefaultCheck().Timeout, Spec: spec}
			p, err := newProber(cfg)
			if err != nil {
				t.Fatal(err)
			}
			out := runProbe(t.Context(), cfg, p)
			if out.result.Status != StatusUp {
				t.Fatalf("status %s: %s", out.result.Status, out.result.Error)
			}
			var score float64 = -1
			passed := map[string]float64{}
			for _, g := range out.report.gauges {
				switch g.name {
				case headersScoreMetric:
					score = g.value
				case headersPassedMetric:
					passed[g.extra[0].Value] = g.value
				}
			}
			if score != tc.score {
				t.Errorf("score %v, want %v", score, tc.score)
			}
			// Under the alert's threshold the check is up but weak.
			if weakWant := tc.score < headersWeakScore; out.result.Weak() != weakWant || (weakWant && !strings.Contains(out.result.Warning, "under 80%")) {
				t.Errorf("weak %v (warning %q), want %v", out.result.Weak(), out.result.Warning, weakWant)
			}
			wantPassed := 8
			if !tc.tls {
				wantPassed = 7
			}
			if len(passed) != wantPassed {
				t.Errorf("%d per-header series, want %d: %v", len(passed), wantPassed, passed)
			}
			if tc.score == 1 && passed["x-frame-options"] != 1 {
				t.Errorf("frame-ancestors should pass X-Frame-Options: %v", passed)
			}
			for _, d := range tc.details {
				if !strings.Contains(out.result.Details, d) {
					t.Errorf("details %q lack %q", out.result.Details, d)
				}
			}
		})
	}
	// No answer: down with a network reason, no score.
	srv := serve(good, false)
	srv.Close()
	cfg := config.Check{Name: "gone", Kind: config.CheckHeaders, Timeout: config.DefaultCheck().Timeout, Spec: &config.HeadersCheck{URL: srv.URL}}
	p, _ := newProber(cfg)
	if out := runProbe(t.Context(), cfg, p); out.result.Status != StatusDown || out.result.Reason != ReasonNetwork || len(out.report.gauges) != 0 {
		t.Errorf("closed server: %+v", out.result)
	}
}

func TestGradeHeaders(t *testing.T) {
	for _, tc := range []struct{ header, value, grade string }{
		{"Strict-Transport-Security", "max-age=31536000", gradePass},
		{"Strict-Transport-Security", "max-age=31535999", gradeWeak},
		{"Strict-Transport-Security", "includeSubDomains", gradeWeak},
		{"Content-Security-Policy", "default-src 'none'; script-src 'self' 'nonce-abc' 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'", gradePass},
		{"Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-eval'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'", gradeWeak},
		{"Content-Security-Policy", "default-src *; object-src 'none'; base-uri 'none'; frame-ancestors 'none'", gradeWeak},
		{"X-Content-Type-Options", "nosniff", gradePass},
		{"X-Content-Type-Options", "sniff", gradeWeak},
		{"Referrer-Policy", "unsafe-url, strict-origin-when-cross-origin", gradePass},
		{"Cross-Origin-Resource-Policy", "same-site", gradePass},
	} {
		h := http.Header{}
		h.Set(tc.header, tc.value)
		grades, _ := scoreHeaders(h, true)
		for _, g := range grades {
			if g.name == tc.header && g.grade != tc.grade {
				t.Errorf("%s: %q graded %s (%s), want %s", tc.header, tc.value, g.grade, g.why, tc.grade)
			}
		}
	}
}

// FuzzScoreHeaders grades arbitrary header values, as a monitored app
// may send: never a panic, a score between 0 and 1, one grade per
// header of the set.
func FuzzScoreHeaders(f *testing.F) {
	f.Add("max-age=31536000", "default-src 'self'; object-src 'none'", "DENY", "no-referrer", "camera=()", "same-origin")
	f.Add("max-age=", ";;;", "", ",", "=*", "")
	f.Add("max-age=99999999999999999999", "script-src 'unsafe-inline' 'nonce-", "sameorigin", "unsafe-url,", "a=(*)", "SAME-ORIGIN")
	f.Fuzz(func(t *testing.T, hsts, csp, xfo, ref, pp, coop string) {
		h := http.Header{}
		for k, v := range map[string]string{"Strict-Transport-Security": hsts, "Content-Security-Policy": csp, "X-Frame-Options": xfo,
			"Referrer-Policy": ref, "Permissions-Policy": pp, "Cross-Origin-Opener-Policy": coop, "Cross-Origin-Resource-Policy": coop} {
			h[k] = []string{v}
		}
		for _, https := range []bool{true, false} {
			grades, score := scoreHeaders(h, https)
			if score < 0 || score > 1 || len(grades) < 7 {
				t.Fatalf("score %v, %d grades", score, len(grades))
			}
		}
	})
}
