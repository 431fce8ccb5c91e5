package config

import (
	"fmt"
	"net/url"
	"regexp"

	promcommon "github.com/prometheus/common/config"

	"github.com/ward-monitoring/ward/secret"
)

// CheckHTTP is the kind of an HTTP check.
const CheckHTTP = "http"

// HTTPCheck is an HTTP check's own keys: it requests URL and checks the
// status, the body and the certificate.
type HTTPCheck struct {
	URL    string `yaml:"url"`
	Method string `yaml:"method"`
	// Username, with PasswordEnv or PasswordFile, is sent as basic auth.
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	// ExpectStatus empty means any 2xx.
	ExpectStatus []int                    `yaml:"expect_status"`
	BodyRegexp   string                   `yaml:"body_regexp"`
	Headers      map[string]secret.Secret `yaml:"headers"`
	TLSConfig    promcommon.TLSConfig     `yaml:"tls_config"`
}

// DefaultHTTPCheck returns the values of the keys an HTTP check leaves
// out.
func DefaultHTTPCheck() HTTPCheck {
	return HTTPCheck{Method: "GET"}
}

func (s *HTTPCheck) setDirectory(dir string) {
	resolvePaths(dir, &s.PasswordFile)
	s.TLSConfig.SetDirectory(dir)
}

var (
	httpMethods  = map[string]bool{"GET": true, "HEAD": true, "POST": true, "OPTIONS": true}
	headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

func (s *HTTPCheck) validate(v *pathValidator, _ *Check) {
	validateWebURL(v, s.URL, "must not hold credentials; use username with password_env or password_file")
	if !httpMethods[s.Method] {
		v.add("method", "%q: want GET, HEAD, POST or OPTIONS", s.Method)
	}
	for j, code := range s.ExpectStatus {
		if code < 100 || code > 599 {
			v.add(fmt.Sprintf("expect_status[%d]", j), "%d is not an HTTP status code", code)
		}
	}
	if _, err := regexp.Compile(s.BodyRegexp); err != nil {
		v.add("body_regexp", "%v", err)
	}
	for name := range s.Headers {
		if !headerNameRE.MatchString(name) {
			v.add("headers."+name, "invalid header name")
		}
	}
	if s.Username != "" && s.PasswordEnv == "" && s.PasswordFile == "" {
		v.add("password_env", "username needs password_env or password_file")
	}
	v.secretSource("password", s.PasswordEnv, s.PasswordFile, false)
	validateTLS(v, s.TLSConfig, true)
}

// validateWebURL checks the url field of a check that fetches a page:
// required, http or https with a host, and no credentials in it
// (credentials says what to do instead).
func validateWebURL(v *pathValidator, raw, credentials string) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		v.add("url", "required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		v.add("url", "want an http:// or https:// URL")
	case u.User != nil:
		v.add("url", "%s", credentials)
	}
}
