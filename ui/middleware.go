package ui

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/errkind"
)

// chain wraps h in middleware, the first listed outermost.
func chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// recoverPanics turns a handler panic into a 500 and a log line instead of
// a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.Error("http handler panic", "method", r.Method, "path", loggedPath(r.URL.Path), "panic", v, "stack", string(debug.Stack()))
				s.answer(w, r, problem{status: http.StatusInternalServerError, kind: errkind.Internal, msg: internalMessage})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// loggedPath is a request's path as logs may hold it: a ping token (the
// secret of a watched job, in /ping/{token}/...) is replaced.
func loggedPath(p string) string {
	rest, ok := strings.CutPrefix(p, "/ping/")
	if !ok {
		return p
	}
	if _, action, ok := strings.Cut(rest, "/"); ok {
		return "/ping/<token>/" + action
	}
	return "/ping/<token>"
}

// logRequests logs each request at debug level. Query strings are left
// out: they may carry tokens once API tokens exist; ping tokens are
// replaced (loggedPath).
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.logger.Debug("http request", "method", r.Method, "path", loggedPath(r.URL.Path), "status", rec.status, "duration", time.Since(start))
	})
}

// contentSecurityPolicy allows only ward's own scripts, styles and
// images, no plugins, no framing, no <base> and forms posting only to
// ward.
const contentSecurityPolicy = "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// permissionsPolicy denies every powerful browser feature to ward's
// pages and anything they could embed: ward uses none. Only features
// browsers recognise are listed (an unknown one is a console error).
const permissionsPolicy = "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), " +
	"fullscreen=(), geolocation=(), gyroscope=(), hid=(), idle-detection=(), magnetometer=(), microphone=(), " +
	"midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), " +
	"sync-xhr=(), usb=(), xr-spatial-tracking=()"

// securityHeaders sets the OWASP secure-headers set on every response
// (issue 13), and HSTS when browsers reach ward over https. Every
// answer defaults to Cache-Control: no-store, so no authenticated page,
// API answer or response setting a session is kept by a browser or
// proxy; only content-hashed static files (assets.go) replace it with a
// long lifetime.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Permissions-Policy", permissionsPolicy)
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if s.secure(r) {
			// One year, this host only: ward cannot know what else
			// runs on sibling subdomains.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// slogErrorLog routes net/http's internal errors to slog.
type slogErrorLog struct{ logger *slog.Logger }

func (l slogErrorLog) Println(v ...any) { l.logger.Error(strings.TrimSpace(fmt.Sprintln(v...))) }

func (l slogErrorLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	l.logger.Log(context.Background(), httpErrorLevel(msg), msg, "component", "http")
	return len(p), nil
}

func (l slogErrorLog) Logger() *log.Logger { return log.New(l, "", 0) }
