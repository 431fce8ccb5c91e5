package ingest

import (
	"crypto/subtle"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/ratelimit"
)

// project is one configured project as the handler needs it.
type project struct {
	id, name string
	keys     [][]byte
	limit    config.ErrorRateLimit
	// events is the project's token bucket (one key: the project).
	events *ratelimit.Buckets
}

// projects are the configured projects by id, replaced whole by Apply.
type projects map[string]*project

// newProjects builds the projects of cfg, keeping old's bucket for
// every project whose limit did not change, so a reload gives no
// project a fresh burst.
func newProjects(cfg config.Errors, old projects) projects {
	ps := projects{}
	for _, p := range cfg.Projects {
		np := &project{id: p.ID, name: p.Name, limit: p.Limit()}
		for _, k := range p.Keys {
			np.keys = append(np.keys, []byte(k))
		}
		if o := old[p.ID]; o != nil && o.limit == np.limit {
			np.events = o.events
		} else {
			np.events = ratelimit.NewBuckets(policy(np.limit), 1)
		}
		ps[p.ID] = np
	}
	return ps
}

// policy is l as a ratelimit policy: per_second as a whole quota over a
// window that keeps the rate exact (0.5/s is 1 per 2 s).
func policy(l config.ErrorRateLimit) ratelimit.Policy {
	quota := max(int(math.Round(l.PerSecond)), 1)
	return ratelimit.Policy{
		Name:   "error_ingest",
		Quota:  quota,
		Window: time.Duration(float64(quota) / l.PerSecond * float64(time.Second)),
		Burst:  l.Burst,
	}
}

// label is p's name as a metric label, "" for no project.
func (p *project) label() string {
	if p == nil {
		return ""
	}
	return p.name
}

// accepts reports whether key is one of p's keys, comparing with every
// key in constant time.
func (p *project) accepts(key string) bool {
	ok := 0
	for _, k := range p.keys {
		ok |= subtle.ConstantTimeCompare(k, []byte(key))
	}
	return ok == 1
}

// authError is a refused credential: 401 when it is missing or its
// sources disagree, 403 when it is not the project's.
type authError struct {
	status int
	reason string
}

func (e *authError) Error() string { return e.reason }

var (
	errNoKey = &authError{http.StatusUnauthorized,
		"missing sentry_key: send it in X-Sentry-Auth, the sentry_key query parameter or the envelope header's dsn"}
	// errBadKey is the answer to a key that is not the project's and to
	// a project that does not exist alike: it says nothing of which
	// keys or projects exist.
	errBadKey = &authError{http.StatusForbidden, "the sentry_key is not valid for this project"}
)

// credentials are the keys a request names before its body is read.
type credentials struct {
	key    string // "" when neither source names one
	source string
}

// requestKey returns the key of X-Sentry-Auth and the sentry_key query
// parameter; when both are given they must agree.
func requestKey(r *http.Request) (credentials, error) {
	var c credentials
	if len(r.Header.Values("X-Sentry-Auth")) > 1 {
		return c, &authError{http.StatusUnauthorized, "X-Sentry-Auth: given more than once"}
	}
	if vs := r.URL.Query()["sentry_key"]; len(vs) > 1 {
		return c, &authError{http.StatusUnauthorized, "sentry_key: the query parameter is given more than once"}
	}
	if h := r.Header.Get("X-Sentry-Auth"); h != "" {
		k, err := authHeaderKey(h)
		if err != nil {
			return c, err
		}
		c = credentials{key: k, source: "X-Sentry-Auth"}
	}
	if q := r.URL.Query(); q.Has("sentry_key") {
		k := q.Get("sentry_key")
		if c.key != "" && subtle.ConstantTimeCompare([]byte(k), []byte(c.key)) != 1 {
			return c, &authError{http.StatusUnauthorized, "the sentry_key query parameter and X-Sentry-Auth's sentry_key differ"}
		}
		c = credentials{key: k, source: "the sentry_key query parameter"}
	}
	return c, nil
}

// authHeaderKey parses "Sentry sentry_key=K, sentry_version=7, ...".
func authHeaderKey(h string) (string, error) {
	scheme, params, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Sentry") {
		return "", &authError{http.StatusUnauthorized, `X-Sentry-Auth: want "Sentry sentry_key=..., sentry_version=7"`}
	}
	key, n := "", 0
	for p := range strings.SplitSeq(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if k == "sentry_key" {
			key, n = strings.Trim(v, `"`), n+1
		}
	}
	switch {
	case n > 1:
		return "", &authError{http.StatusUnauthorized, "X-Sentry-Auth: sentry_key is given more than once"}
	case key == "":
		return "", &authError{http.StatusUnauthorized, "X-Sentry-Auth: no sentry_key"}
	}
	return key, nil
}

// dsnKey returns the key and project id of an envelope header's dsn,
// scheme://KEY@host/path/PROJECT.
func dsnKey(dsn string) (key, projectID string, err error) {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil || u.User.Username() == "" {
		return "", "", &authError{http.StatusUnauthorized, "envelope header: dsn is not scheme://key@host/project"}
	}
	path := strings.TrimSuffix(u.Path, "/")
	return u.User.Username(), path[strings.LastIndexByte(path, '/')+1:], nil
}

// authenticate checks key for project id (nil when there is no such
// project).
func authenticate(p *project, key string) error {
	if key == "" {
		return errNoKey
	}
	if p == nil || !p.accepts(key) {
		return errBadKey
	}
	return nil
}

// checkDSN checks an envelope's dsn against the path's project and the
// key of the request's headers (c, already checked when not empty), and
// returns the key to check.
func checkDSN(dsn, pathID string, c credentials) (string, error) {
	if dsn == "" {
		return c.key, nil
	}
	key, id, err := dsnKey(dsn)
	if err != nil {
		return "", err
	}
	if id != pathID {
		return "", &authError{http.StatusForbidden, fmt.Sprintf("the envelope's dsn names project %.20q, the path project %q", id, pathID)}
	}
	if c.key != "" && subtle.ConstantTimeCompare([]byte(key), []byte(c.key)) != 1 {
		return "", &authError{http.StatusUnauthorized, fmt.Sprintf("the envelope's dsn and %s name different keys", c.source)}
	}
	return key, nil
}
