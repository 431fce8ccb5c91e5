package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/errkind"
)

// Issue 13, request size and time limits per route class (helper D).
//
// Every route has a body bound and most a time bound, declared in the
// route table (endpoint.maxBody, endpoint.timeout) or taken from the
// defaults below by its kind, method and limit class. The server's own
// timeouts (ReadHeaderTimeout, ReadTimeout, WriteTimeout) still bound
// every connection; these are the tighter per-route ones.
const (
	// maxFormBody bounds a page's form post (sign-in, silences, users).
	maxFormBody = 64 << 10
	// maxAPIWriteBody bounds other API writes (silences, receiver tests,
	// backup actions): JSON documents, as silences.go bounds a silence.
	maxAPIWriteBody = 1 << 20
	// maxQueryBody bounds a PromQL query posted as a form: POST exists
	// for queries too long for a URL, so it allows more than a URL
	// (MaxHeaderBytes, 64 KiB) but not without bound.
	maxQueryBody = 256 << 10
	// maxPingBody bounds a backup ping. Its handler keeps the first
	// backups.MaxPingBody (10,000) bytes and drops the rest, as
	// Healthchecks does, so a script piping a long log still pings; past
	// this bound it is refused.
	maxPingBody = 1 << 20
	// noBody is the bound of requests that carry none (GET, HEAD,
	// DELETE): a body there is refused.
	noBody = -1

	// pageTimeout bounds rendering a page or answering a form.
	pageTimeout = 30 * time.Second
	// apiTimeout bounds an API call that is not a query.
	apiTimeout = 30 * time.Second
	// exportTimeout bounds the audit and events exports, which stream
	// up to their retention.
	exportTimeout = 2 * time.Minute
	// pingTimeout bounds a backup ping.
	pingTimeout = 10 * time.Second
	// unbounded leaves a route's time to its own limit: the live stream
	// (ends with the session or shutdown) and Prometheus' query API
	// (query.timeout, and the server's WriteTimeout past it).
	unbounded = -1
)

// defaultRequestLimits are e's body and time bounds when the table sets
// none. A negative value in the table means "no body" for maxBody and
// "the handler's own limit" for timeout.
func defaultRequestLimits(e endpoint) (maxBody int64, timeout time.Duration) {
	method, path, _ := strings.Cut(e.pattern, " ")
	maxBody, timeout = e.maxBody, e.timeout
	if maxBody == 0 {
		switch {
		case method == http.MethodGet || method == http.MethodHead || method == http.MethodDelete:
			maxBody = noBody
		case e.limit == pingLimited:
			maxBody = maxPingBody
		case e.kind == kindPage:
			maxBody = maxFormBody
		case path == "/api/v2/alerts":
			// A batch of alerts from another Prometheus (alerts.go
			// sizes it).
			maxBody = maxAlertsBody
		case strings.HasPrefix(path, "/api/v1/"):
			maxBody = maxQueryBody
		default:
			maxBody = maxAPIWriteBody
		}
	}
	if timeout == 0 {
		switch {
		case path == "/live" || strings.HasPrefix(path, "/api/v1/"):
			timeout = unbounded
		case strings.HasSuffix(path, "/export"):
			timeout = exportTimeout
		case e.limit == pingLimited:
			timeout = pingTimeout
		case e.kind == kindPage:
			timeout = pageTimeout
		default:
			timeout = apiTimeout
		}
	}
	return maxBody, timeout
}

// selfBounded are routes whose handlers bound their bodies themselves,
// to the same or a tighter limit, and audit the refusal in
// Alertmanager's answer format: bounded leaves the 413 to them and only
// adds its reader as the outer wall.
var selfBounded = map[string]bool{
	"POST /api/v2/alerts":   true, // alerts.go, maxAlertsBody
	"POST /api/v2/silences": true, // silences.go, maxSilenceBody
}

// bounded wraps h in e's request size and time limits: a body declared
// larger than the bound is answered 413 before the handler runs, and one
// that grows past it while read (chunked) fails the handler's read; the
// time bound is a context deadline, which handlers and the services they
// call observe (http.TimeoutHandler would buffer answers and break
// streams), and for a route with a body also a read deadline (readBody).
func (s *Server) bounded(e endpoint, h http.Handler) http.Handler {
	limit := max(e.maxBody, 0)
	// The ingest routes read their bodies themselves, after checking
	// what they can without them (errorsingestroutes.go).
	own := readsOwnBody(e.pattern)
	early := !selfBounded[e.pattern] && !own
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if early && r.ContentLength > limit {
			s.tooLarge(w, r, limit)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			if e.timeout > 0 && !own && !s.readBody(w, r, e, limit, early) {
				return
			}
		}
		if e.timeout > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), e.timeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		h.ServeHTTP(w, r)
	})
}

// tooLarge answers 413 naming the bound, in the envelope of the route.
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	msg := "this request takes no body"
	if limit > 0 {
		msg = fmt.Sprintf("request body larger than %d bytes, the limit of this route", limit)
	}
	// The body is not read: the connection cannot be reused.
	w.Header().Set("Connection", "close")
	s.answer(w, r, problem{status: http.StatusRequestEntityTooLarge, kind: errkind.Invalid, msg: msg})
}

// readBody reads r's body (already bounded to limit) before the handler
// runs, within e.timeout: a context deadline does not stop a handler
// blocked reading a body trickled a byte at a time, a read deadline on
// the connection does. A body not received in time is answered 408 and
// one past the bound 413 (unless the route answers that itself), in the
// route's envelope; the handler then reads the buffered copy. Bodies are
// at most the route's bound (1 MiB for pings and API writes, 64 KiB for
// forms), which the handlers read whole anyway. Issue 13 fix round,
// attack #2.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, e endpoint, limit int64, answersTooLarge bool) bool {
	rc := http.NewResponseController(w)
	// Not every connection supports deadlines (an httptest recorder):
	// then the server's ReadTimeout is the bound.
	if err := rc.SetReadDeadline(time.Now().Add(e.timeout)); err != nil {
		return true
	}
	body, err := io.ReadAll(r.Body)
	_ = rc.SetReadDeadline(time.Time{})
	var tooBig *http.MaxBytesError
	if err != nil && !errors.As(err, &tooBig) {
		// A failed read of the connection cancels r's context; the
		// answer still renders.
		r = r.WithContext(context.WithoutCancel(r.Context()))
	}
	switch {
	case err == nil:
		r.Body = io.NopCloser(bytes.NewReader(body))
		return true
	case errors.As(err, &tooBig):
		if !answersTooLarge {
			// The route answers 413 in its own format: hand it a body
			// that fails the same way.
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
			return true
		}
		s.tooLarge(w, r, limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		w.Header().Set("Connection", "close")
		s.answer(w, r, problem{status: http.StatusRequestTimeout, kind: errkind.Malformed,
			msg: fmt.Sprintf("request body not received within %s, the time limit of this route", e.timeout)})
	default:
		// The client went away or sent a broken body: nobody to answer.
		w.Header().Set("Connection", "close")
		s.answer(w, r, problem{status: http.StatusBadRequest, kind: errkind.Malformed, msg: "request body could not be read"})
	}
	return false
}

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
