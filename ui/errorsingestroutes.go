package ui

import (
	"net/http"
	"slices"
	"time"

	"github.com/ward-monitoring/ward/apperrors/envelope"
	"github.com/ward-monitoring/ward/apperrors/ingest"
)

// Issue 16: the Sentry ingest endpoints, served by Deps.ErrorIngest
// (package apperrors/ingest). They are public: the project's key
// (X-Sentry-Auth, ?sentry_key= or the envelope's dsn) is their
// credential, checked by the handler.
//
// Limit class errorIngest: the handler charges each project's own
// bucket (errors.projects[].rate_limit, 100 events/s, burst 1,000 by
// default) and answers 429 with the RateLimit fields, Retry-After and
// Sentry's X-Sentry-Rate-Limits, which SDKs obey. The anonymous class
// (600 a minute per address) would starve a busy app: its web workers
// reach ward from one or a few addresses (a NAT, a load balancer), so a
// per-address budget of 10 requests a second would refuse errors the
// project's limit allows. Refused keys are limited per address by the
// handler too (60 a minute, then 429).
const (
	// maxIngestBody bounds a compressed ingest request: the decompressed
	// request limit (2 MiB) and room for an incompressible body's framing;
	// the handler caps the decompressed size while reading.
	maxIngestBody = envelope.MaxCompressedBytes
	// ingestTimeout bounds reading, parsing and queuing one request.
	ingestTimeout = 30 * time.Second
)

// errorIngestRoutes are the ingest routes, only when error tracking
// serves them (Deps.ErrorIngest set); otherwise they are not routed and
// answer 404.
func (s *Server) errorIngestRoutes() []endpoint {
	h := s.deps.ErrorIngest
	if h == nil {
		return nil
	}
	var table []endpoint
	for _, p := range ingest.Patterns() {
		e := open(kindAPI, p, s.withClientAddr(h)).limited(errorIngest)
		e.maxBody, e.timeout = maxIngestBody, ingestTimeout
		table = append(table, e)
	}
	return table
}

// readsOwnBody reports whether the route reads its body itself, so
// bounded neither reads it first nor answers its 413 (attack #1 of issue
// 16's fix round: a body read before the key is checked let anyone hold
// 2 MiB per connection). The ingest handler checks the project and the
// headers' key, then reads under its own bound of bodies in flight
// (ingest.MaxBodiesInFlight) and a read deadline, and answers 413 in
// Sentry's format.
func readsOwnBody(pattern string) bool {
	return slices.Contains(ingest.Patterns(), pattern)
}

// withClientAddr gives the ingest handler the client's address as the
// server knows it (clientIP: behind a trusted proxy, the forwarded one)
// for its per-address bounds.
func (s *Server) withClientAddr(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(ingest.WithClientAddr(r.Context(), s.clientIP(r))))
	})
}
