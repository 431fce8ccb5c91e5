// Package ui owns ward's HTTP server: the route table with its guards, the
// middleware chain, sign-in and session handling, the web pages (templ
// components beside the handlers that render them), the guard in front of
// Prometheus' query API (built by package promapi), and lifecycle
// endpoints.
package ui

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ward-monitoring/ward/errkind"
)

// errCrossOrigin refuses a browser's cross-site state change.
var errCrossOrigin = errkind.New(errkind.Forbidden, "ui: cross-origin request refused", "this cross-origin request was refused")

// Server serves ward's HTTP endpoints on one listener.
type Server struct {
	// exports holds a slot per personal-data export being written
	// (privacy.go): each may hold tens of MB of error events.
	exports     chan struct{}
	logger      *slog.Logger
	deps        Deps
	applyConfig func(context.Context) error
	srv         *http.Server
	ln          net.Listener
	assets      *assets
	// enrolments holds each enrolling session's QR code and key between
	// the wizard page and its image.
	enrolments *enrolments
	// mux serves the route table; endpoints holds its entries by
	// pattern, for the middleware in front of mux.
	mux       *http.ServeMux
	endpoints map[string]endpoint
	// denials picks which refused requests (403) are audited.
	denials denialLimiter
	// internalTokenHash is the SHA-256 of the token ward scrapes its own
	// /metrics with.
	internalTokenHash []byte
	now               func() time.Time
	// net holds the trusted proxies and allowed host names.
	net atomic.Pointer[network]
	// live tells open live-update streams of changes (live.go).
	live *liveHub
	// pings limits and counts /ping/* (issue 12).
	pings *pingGuard
	// limits are the rate limits of every class (issue 13, limits.go).
	limits limitState
	// trail serves the audit trail API and data-access records (issue
	// 14, dataread.go).
	trail trailState
}

// NewServer builds the HTTP server on an already bound listener, so that
// the caller knows the real address (for example with port 0 in tests).
func NewServer(ln net.Listener, deps Deps, reload func(context.Context) error) *Server {
	s := &Server{
		logger: deps.Logger, deps: deps, applyConfig: reload, ln: ln, now: time.Now,
		assets:     newAssets(),
		enrolments: newEnrolments(time.Now),
		live:       newLiveHub(),
		pings:      newPingGuard(deps.Registerer, time.Now),   // issue 12
		trail:      newTrailState(),                           // issue 14
		exports:    make(chan struct{}, maxConcurrentExports), // issue 16
	}
	s.limits.recorder = newViolations(deps.Registerer) // issue 13, rate limits
	if deps.InternalToken != "" {
		h := sha256.Sum256([]byte(deps.InternalToken))
		s.internalTokenHash = h[:]
	}
	s.mux, s.endpoints = http.NewServeMux(), map[string]endpoint{}
	for _, e := range s.routes() {
		// Issue 13: each column not set in the table takes its
		// default for the route's kind, method and role.
		e.limit = defaultLimitClass(e)
		e.scope = defaultScope(e)
		e.maxBody, e.timeout = defaultRequestLimits(e)
		s.mux.Handle(e.pattern, s.guard(e, s.bounded(e, e.handler)))
		s.endpoints[e.pattern] = e
	}
	// Cross-origin state changes from browsers are refused on every
	// route (Sec-Fetch-Site / Origin); API clients send neither header
	// and pass.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errCrossOrigin)
	}))
	// The chain, outermost first: recover, request log, security
	// headers, allowed Host, sign-in rate limit, CSRF; then per route (guard) the
	// session or token, the sign-in stage and the role. Issue 13 (helper
	// D): CORS answers before CSRF (cors.go), then the API's client
	// certificate.
	s.srv = &http.Server{
		Handler:           chain(s.withNotFoundPage(s.mux), s.recoverPanics, s.logRequests, s.securityHeaders, s.checkHost, s.limitSignIn, s.crossOrigin(csrf), s.requireClientCert),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		// A query may run for query.timeout; the caller leaves room to
		// write its answer.
		WriteTimeout:   cmp.Or(deps.WriteTimeout, defaultWriteTimeout),
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slogErrorLog{s.logger}.Logger(),
	}
	// Live streams never go idle: end them when shutdown starts.
	s.srv.RegisterOnShutdown(s.live.shutdown)
	return s
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Run serves until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	stopFlush := s.flushLimitsEvery(limitFlushEvery) // issue 13 fix: refusal counts
	defer stopFlush()
	select {
	case err := <-errc:
		return fmt.Errorf("ui: serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(shutdownCtx); err != nil {
		s.srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ui: serve: %w", err)
	}
	return nil
}

func (s *Server) healthy(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ward is Healthy.")
}

func (s *Server) ready(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !s.deps.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "ward is not ready.")
		return
	}
	fmt.Fprintln(w, "ward is Ready.")
}

// reload applies the configuration on disk, like Prometheus' /-/reload:
// 200 when applied, 500 with the reason when rejected (the running
// configuration stays).
func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.applyConfig(r.Context()); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "failed to reload config: %s\n", err)
		return
	}
	fmt.Fprintln(w, "config reloaded")
}

// httpErrorLevel is the level of a line net/http logs: a failed TLS
// handshake (plain http sent to the https port, a scanner, a client that
// does not trust the certificate) is the client's problem and logged at
// debug, so ERROR lines stay worth alerting on; the rest are errors.
// Issue 13 fix round (trial #10).
func httpErrorLevel(msg string) slog.Level {
	if strings.HasPrefix(msg, "http: TLS handshake error") {
		return slog.LevelDebug
	}
	return slog.LevelError
}
