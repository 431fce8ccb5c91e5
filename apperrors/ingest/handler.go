// Package ingest serves Sentry's ingest endpoints, POST
// /api/{project_id}/envelope/ and the legacy POST
// /api/{project_id}/store/: it authenticates the project's key, undoes
// the body's encoding and parses it (package apperrors/envelope),
// applies the project's rate limit, and hands the event items to error
// tracking (apperrors.Service.Accept). Other item types are answered
// 200 and dropped, so SDKs do not retry them.
package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/apperrors/envelope"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/ratelimit"
)

// Acceptor takes a request's events (*apperrors.Service).
type Acceptor interface {
	Accept(ctx context.Context, projectID string, events []json.RawMessage, received time.Time) error
}

var _ Acceptor = (*apperrors.Service)(nil)

// Limits of the handler beyond the envelope's own.
const (
	// OverloadedRetryAfter is the Retry-After of a request refused
	// because error tracking's queue is full.
	OverloadedRetryAfter = 10 * time.Second
	// failedAuthPerMinute bounds the refused credentials one client
	// address may send a minute before it gets 429 instead of 401/403.
	failedAuthPerMinute = 60
)

// Options wire a Handler.
type Options struct {
	Accept     Acceptor
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time
}

// Handler serves the ingest endpoints. Apply sets its projects.
type Handler struct {
	opts     Options
	mux      *http.ServeMux
	projects atomic.Pointer[projects]
	metrics  *metrics
	// failures are the refused credentials per client address.
	failures *ratelimit.Buckets
	// gate bounds the bodies being read (gate.go).
	gate gate
	// stats are what a project's page shows of its requests (stats.go).
	stats stats
}

var _ http.Handler = (*Handler)(nil)

// New builds a Handler with no projects: every request is refused until
// Apply.
func New(o Options) (*Handler, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	h := &Handler{opts: o, metrics: m, mux: http.NewServeMux(),
		failures: ratelimit.NewBuckets(ratelimit.Policy{Name: "error_ingest_auth", Quota: failedAuthPerMinute, Window: time.Minute}, 0)}
	h.projects.Store(&projects{})
	h.stats.since = o.Now()
	h.mux.HandleFunc("POST /api/{project_id}/envelope/{$}", h.serve(true))
	h.mux.HandleFunc("POST /api/{project_id}/store/{$}", h.serve(false))
	return h, nil
}

// Patterns are the routes the handler serves, for a server's route
// table.
func Patterns() []string {
	return []string{"POST /api/{project_id}/envelope/{$}", "POST /api/{project_id}/store/{$}"}
}

// Apply takes a configuration's projects, keys and rate limits (at
// start and on every reload).
func (h *Handler) Apply(cfg config.Errors) {
	ps := newProjects(cfg, *h.projects.Load())
	h.projects.Store(&ps)
}

// ServeHTTP serves the ingest routes; anything else is 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// serve answers one ingest request; isEnvelope says which endpoint.
func (h *Handler) serve(isEnvelope bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		received := h.opts.Now()
		id := r.PathValue("project_id")
		p := (*h.projects.Load())[id]
		// What can be checked without the body is checked before it is
		// read: its declared size, the project, the key of the headers.
		if r.ContentLength > envelope.MaxCompressedBytes {
			w.Header().Set("Connection", "close")
			h.answer(w, p, http.StatusRequestEntityTooLarge, outcomeTooLarge,
				fmt.Sprintf("body of %d bytes exceeds %d bytes", r.ContentLength, envelope.MaxCompressedBytes))
			return
		}
		creds, err := requestKey(r)
		if err == nil {
			switch {
			case p == nil:
				err = errBadKey
			case creds.key != "" || !isEnvelope:
				// A store body has no header of its own to carry the key.
				err = authenticate(p, creds.key)
			}
		}
		if err != nil {
			w.Header().Set("Connection", "close") // the body is not read
			h.refuseAuth(w, r, p, err)
			return
		}
		addr := clientAddr(r.Context(), r.RemoteAddr)
		if !h.gate.enter(addr) {
			secs := strconv.Itoa(BusyRetryAfter)
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", secs)
			w.Header().Set("X-Sentry-Rate-Limits", secs+"::organization")
			h.answer(w, p, http.StatusTooManyRequests, outcomeOverloaded,
				fmt.Sprintf("too many requests being received (at most %d, %d per address); retry later", MaxBodiesInFlight, MaxBodiesPerAddr))
			return
		}
		defer h.gate.leave(addr)
		body, err := readBody(w, r)
		if err != nil {
			h.refuse(w, p, err)
			return
		}
		key := creds.key // the key that authenticated, for the stats
		var events []json.RawMessage
		var headerID string
		if isEnvelope {
			env, err := envelope.Parse(body)
			if err != nil {
				h.refuse(w, p, err)
				return
			}
			k, err := checkDSN(env.Header.DSN, id, creds)
			if err == nil {
				key = k
				err = authenticate(p, key)
			}
			if err != nil {
				h.refuseAuth(w, r, p, err)
				return
			}
			headerID = env.Header.EventID
			for _, it := range env.Items {
				if it.Type != "event" {
					h.metrics.dropped.WithLabelValues(droppedLabel(it.Type)).Inc()
					continue
				}
				events = append(events, json.RawMessage(it.Payload))
			}
		} else {
			ev, err := envelope.ParseStore(body)
			if err != nil {
				h.refuse(w, p, err)
				return
			}
			events = []json.RawMessage{ev}
		}
		// The answer names the id ward stores: the first event's.
		eventID, ok := normalID(headerID)
		if !ok {
			eventID = newEventID()
		}
		for i := range events {
			fallback := ""
			if i == 0 {
				fallback = headerID
			}
			var id string
			events[i], id = withEventID(events[i], fallback)
			if i == 0 {
				eventID = id
			}
		}
		// Charged per event, and an envelope without events as one, so
		// a flood of sessions or transactions is bounded too.
		d := p.events.Take(p.id, max(len(events), 1), received)
		ratelimit.SetHeaders(w.Header(), p.events.Policy(), d)
		if !d.Allowed {
			w.Header().Set("X-Sentry-Rate-Limits", ratelimit.RetryAfter(d)+"::organization")
			h.answer(w, p, http.StatusTooManyRequests, outcomeRateLimited, "project over its rate limit (errors.projects[].rate_limit)")
			return
		}
		if len(events) > 0 {
			if err := h.opts.Accept.Accept(r.Context(), p.id, events, received); err != nil {
				h.acceptFailed(w, p, err)
				return
			}
		}
		h.metrics.requests.WithLabelValues(p.name, outcomeAccepted).Inc()
		if len(events) > 0 {
			h.stats.used(p.id, key, received)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"id": eventID})
	}
}

// bodyTimeout bounds reading a body when the request's context has no
// deadline of its own (the server gives the route one: ui's
// ingestTimeout).
const bodyTimeout = 30 * time.Second

// readBody reads and decodes r's body under a read deadline on the
// connection (a context deadline does not stop a read blocked on a body
// trickled a byte at a time).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	deadline, ok := r.Context().Deadline()
	if !ok {
		deadline = time.Now().Add(bodyTimeout)
	}
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(deadline) == nil {
		defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
	}
	body, err := envelope.Decode(r.Body, r.Header.Get("Content-Encoding"))
	if err != nil && !time.Now().Before(deadline) {
		// A body still arriving at the deadline is a slow client, not a
		// bad request: 408, which SDKs retry (they drop events on 400).
		return nil, &envelope.Error{Status: http.StatusRequestTimeout, Reason: "the body did not arrive in time"}
	}
	return body, err
}

// acceptFailed answers an error of Accept: 429 when error tracking is
// overloaded, else 500 (logged; the client retries).
func (h *Handler) acceptFailed(w http.ResponseWriter, p *project, err error) {
	if errors.Is(err, apperrors.ErrOverloaded) {
		secs := strconv.Itoa(int(OverloadedRetryAfter / time.Second))
		w.Header().Set("Retry-After", secs)
		w.Header().Set("X-Sentry-Rate-Limits", secs+"::organization")
		h.answer(w, p, http.StatusTooManyRequests, outcomeOverloaded, "error tracking is busy; retry later")
		return
	}
	if errors.Is(err, apperrors.ErrNotFound) {
		// The project went in a reload between the key check and
		// Accept: answered as a key no longer valid.
		h.answer(w, p, errBadKey.status, outcomeUnauthorized, errBadKey.reason)
		return
	}
	if errors.Is(err, context.Canceled) {
		// The client went away while its events were being stored.
		h.metrics.requests.WithLabelValues(p.label(), outcomeError).Inc()
		return
	}
	h.opts.Logger.Error("accepting error events", "err", err, "project", p.label())
	h.metrics.requests.WithLabelValues(p.label(), outcomeError).Inc()
	writeDetail(w, http.StatusInternalServerError, "internal error")
}

// refuse answers a body the envelope package refused.
func (h *Handler) refuse(w http.ResponseWriter, p *project, err error) {
	var e *envelope.Error
	if !errors.As(err, &e) {
		e = &envelope.Error{Status: http.StatusBadRequest, Reason: err.Error()}
	}
	outcome := outcomeBadRequest
	if e.Status == http.StatusRequestEntityTooLarge {
		outcome = outcomeTooLarge
	}
	h.answer(w, p, e.Status, outcome, e.Reason)
}

// refuseAuth answers a refused credential, or 429 when the client's
// address has sent too many of them.
func (h *Handler) refuseAuth(w http.ResponseWriter, r *http.Request, p *project, err error) {
	if d := h.failures.Take(clientAddr(r.Context(), r.RemoteAddr), 1, h.opts.Now()); !d.Allowed {
		ratelimit.SetHeaders(w.Header(), h.failures.Policy(), d)
		h.answer(w, p, http.StatusTooManyRequests, outcomeUnauthorized, "too many refused keys from this address")
		return
	}
	var ae *authError
	if !errors.As(err, &ae) {
		ae = &authError{http.StatusUnauthorized, err.Error()}
	}
	h.answer(w, p, ae.status, outcomeUnauthorized, ae.reason)
}

// answer counts the request and writes a Sentry-style error body.
func (h *Handler) answer(w http.ResponseWriter, p *project, status int, outcome, reason string) {
	h.metrics.requests.WithLabelValues(p.label(), outcome).Inc()
	if p != nil {
		h.stats.refused(p.id, outcome)
	}
	writeDetail(w, status, reason)
}

func writeDetail(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"detail": detail})
}

// newEventID is an id for an answer whose request named none.
func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
