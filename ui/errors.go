package ui

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
)

// internalMessage is all a client learns of an internal failure.
const internalMessage = "something went wrong on ward's side; the log has the details"

// problem is a failed request as its client sees it.
type problem struct {
	status int
	kind   errkind.Kind
	// msg is written for the client, in the lower-case style of
	// Prometheus' API errors; sentence() is its form for pages.
	msg string
}

// sentence is msg as a page shows it: capitalised, with a full stop.
func (p problem) sentence() string {
	m := p.msg
	if m == "" {
		return m
	}
	r, n := utf8.DecodeRuneInString(m)
	m = string(unicode.ToUpper(r)) + m[n:]
	if !strings.HasSuffix(m, ".") {
		m += "."
	}
	return m
}

// status maps an error kind to the HTTP status that answers it.
func status(k errkind.Kind) int {
	switch k {
	case errkind.Malformed:
		return http.StatusBadRequest
	case errkind.Invalid, errkind.Conflict:
		// A form the values or the current state refuse: 422, as ward
		// has always answered both (a program would rather see 409 for
		// a conflict; no API route returns one yet).
		return http.StatusUnprocessableEntity
	case errkind.Unauthenticated:
		return http.StatusUnauthorized
	case errkind.Forbidden:
		return http.StatusForbidden
	case errkind.NotFound:
		return http.StatusNotFound
	case errkind.RateLimited:
		return http.StatusTooManyRequests
	case errkind.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorType is the errorType of Prometheus' API envelope for a kind.
func errorType(k errkind.Kind) string {
	switch k {
	case errkind.Malformed, errkind.Invalid:
		return "bad_data"
	case errkind.Conflict:
		return "conflict"
	case errkind.Unauthenticated:
		return "unauthorized"
	case errkind.Forbidden:
		return "forbidden"
	case errkind.NotFound:
		return "not_found"
	case errkind.RateLimited:
		return "rate_limited"
	case errkind.Unavailable:
		return "unavailable"
	}
	return "internal"
}

// heading titles the page that shows a problem of a kind.
func heading(k errkind.Kind) string {
	switch k {
	case errkind.Malformed, errkind.Invalid, errkind.Conflict:
		return "Not accepted"
	case errkind.Unauthenticated:
		return "Not signed in"
	case errkind.Forbidden:
		return "Not allowed"
	case errkind.NotFound:
		return "Not found"
	case errkind.RateLimited:
		return "Too many attempts"
	case errkind.Unavailable:
		return "Not available"
	}
	return "Something went wrong"
}

// explain turns err into what its client is told: the status of its
// kind and the message its package wrote for clients (errkind). An
// internal error is logged, and its client learns only that something
// failed, unless the error carries a message set deliberately for it.
func (s *Server) explain(r *http.Request, err error) problem {
	kind, msg := errkind.Of(err)
	if kind == errkind.Internal {
		s.logger.Error("request failed", "err", err, "method", r.Method, "path", r.URL.Path)
		if msg == "" {
			msg = internalMessage
		}
	}
	return problem{status: status(kind), kind: kind, msg: msg}
}

// fail answers a request that failed with err, in the form its route's
// kind asks for: a page for people, Prometheus' envelope for programs.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	setRetryAfter(w, err)
	s.answer(w, r, s.explain(r, err))
}

// setRetryAfter tells a rate-limited client, in the standard header, how
// many seconds to wait.
func setRetryAfter(w http.ResponseWriter, err error) {
	var rl *auth.RateLimitError
	if errors.As(err, &rl) {
		w.Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(rl.RetryAfter.Seconds())), 1)))
	}
}

// answer writes p as a page or in Prometheus' envelope, by the kind of
// the request's route (a page when no route matches).
func (s *Server) answer(w http.ResponseWriter, r *http.Request, p problem) {
	if refusedUnread(r, p.status) {
		// The refusal comes before the body is read: closing the
		// connection spares net/http waiting for (and draining) a body
		// that a slow client may never finish sending.
		w.Header().Set("Connection", "close")
	}
	if e := s.route(r); e != nil && e.kind == kindAPI {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(p.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "error", "errorType": errorType(p.kind), "error": p.msg})
		return
	}
	s.renderMessage(w, r, p.status, heading(p.kind), p.sentence())
}

// writeData answers in Prometheus' envelope with data.
func writeData(w http.ResponseWriter, code int, data any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": data})
}

// badRequest is a request ward cannot read, with msg for its client.
func badRequest(msg string) error { return errkind.New(errkind.Malformed, "ui: "+msg, msg) }

// notFound names a thing that does not exist, with msg for the client.
func notFound(msg string) error { return errkind.New(errkind.NotFound, "ui: "+msg, msg) }

// formError is explain for a page that shows the problem inside its own
// form: the status and the message as a sentence (and Retry-After when
// rate limited).
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error) (int, string) {
	setRetryAfter(w, err)
	p := s.explain(r, err)
	return p.status, p.sentence()
}

// refusedUnread reports whether status refuses r before its body was
// read (credential, role, rate, size or time refusals) while r has one.
func refusedUnread(r *http.Request, status int) bool {
	if r.ContentLength == 0 && len(r.TransferEncoding) == 0 {
		return false
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests,
		http.StatusRequestTimeout, http.StatusRequestEntityTooLarge:
		return true
	}
	return false
}
