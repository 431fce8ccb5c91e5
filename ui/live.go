package ui

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/errkind"
)

// Live updates: GET /live is a server-sent-events stream that says
// "change" with a version whenever something the console shows changed
// (the events watcher decides, LiveChanged tells the server). Pages whose
// <main> has data-live refetch themselves on it (ward.js); without
// JavaScript they are complete and can be reloaded.
const (
	// maxLiveStreams bounds the streams open at once, and
	// maxLiveStreamsPerSession those of one session (a few tabs).
	maxLiveStreams           = 256
	maxLiveStreamsPerSession = 8
	// liveHeartbeat is how often an idle stream sends a comment, so that
	// proxies keep it open and a dead client is noticed; each heartbeat
	// also checks that the session is still in force.
	liveHeartbeat = 25 * time.Second
	// liveWriteTimeout bounds each write to a stream; the server's own
	// WriteTimeout would end every stream after it.
	liveWriteTimeout = 10 * time.Second
	// liveRetry is how long EventSource waits before reconnecting.
	liveRetry = 5 * time.Second
	// liveRefreshHeader marks ward.js refetching a live page: such
	// requests do not keep the session from idling out.
	liveRefreshHeader = "X-Ward-Live"
)

var (
	errLiveFull = errkind.New(errkind.RateLimited, "ui: too many live streams",
		"too many live update streams are open; close some tabs or reload later")
	errLiveSessionFull = errkind.New(errkind.RateLimited, "ui: too many live streams for one session",
		fmt.Sprintf("this session already has %d live update streams open; close some tabs", maxLiveStreamsPerSession))
	errLiveAccept = badRequest("accept: /live is a text/event-stream for EventSource")
)

// liveHub tells open streams of each new version. A change closes the
// current channel, which wakes every stream at once, and makes a new one.
type liveHub struct {
	mu         sync.Mutex
	version    uint64
	changed    chan struct{}
	done       chan struct{} // closed at shutdown
	stopped    bool
	streams    int
	perSession map[string]int
}

func newLiveHub() *liveHub {
	return &liveHub{changed: make(chan struct{}), done: make(chan struct{}), perSession: map[string]int{}}
}

// join admits one more stream of session, or says why not.
func (h *liveHub) join(session string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.stopped:
		return errkind.New(errkind.Unavailable, "ui: shutting down", "ward is shutting down")
	case h.streams >= maxLiveStreams:
		return errLiveFull
	case h.perSession[session] >= maxLiveStreamsPerSession:
		return errLiveSessionFull
	}
	h.streams++
	h.perSession[session]++
	return nil
}

func (h *liveHub) leave(session string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.streams--
	if h.perSession[session]--; h.perSession[session] <= 0 {
		delete(h.perSession, session)
	}
}

// open counts the streams open.
func (h *liveHub) open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams
}

func (h *liveHub) publish(version uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if version == h.version {
		return
	}
	h.version = version
	close(h.changed)
	h.changed = make(chan struct{})
}

// current returns the version and the channel closed at the next change.
func (h *liveHub) current() (uint64, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.version, h.changed
}

// shutdown ends every stream: http.Server.Shutdown waits for idle
// connections, and a stream never is.
func (h *liveHub) shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.stopped {
		h.stopped = true
		close(h.done)
	}
}

// LiveChanged tells the open live streams that what the console shows
// changed; version names the new state (the events watcher counts).
func (s *Server) LiveChanged(version uint64) { s.live.publish(version) }

// liveVersion is the version pages render into data-live, so that a
// change between the page and its stream is not missed.
func (s *Server) liveVersion() string {
	v, _ := s.live.current()
	return strconv.FormatUint(v, 10)
}

// liveStream serves GET /live.
func (s *Server) liveStream(w http.ResponseWriter, r *http.Request) {
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		s.fail(w, r, errLiveAccept)
		return
	}
	p := auth.PrincipalFrom(r.Context())
	if err := s.live.join(p.Session.ID); err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(int(liveHeartbeat.Seconds())))
		s.fail(w, r, err)
		return
	}
	defer s.live.leave(p.Session.ID)

	rc := http.NewResponseController(w)
	write := func(msg string) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout)); err != nil {
			return false
		}
		if _, err := io.WriteString(w, msg); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	change := func(v uint64) string {
		return fmt.Sprintf("id: %d\nevent: change\ndata: %d\n\n", v, v)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)

	version, changed := s.live.current()
	if !write(fmt.Sprintf("retry: %d\n", liveRetry.Milliseconds()) + change(version)) {
		return
	}
	heartbeat := time.NewTicker(liveHeartbeat)
	defer heartbeat.Stop()
	var expires <-chan time.Time
	if !p.Session.Expires.IsZero() {
		t := time.NewTimer(time.Until(p.Session.Expires))
		defer t.Stop()
		expires = t.C
	}
	for {
		var msg string
		select {
		case <-r.Context().Done():
			return
		case <-s.live.done:
			return
		case <-expires:
			return
		case <-changed:
			version, changed = s.live.current()
			msg = change(version)
		case <-heartbeat.C:
			msg = ": heartbeat\n\n"
		}
		if !s.deps.Auth.StillSignedIn(r.Context(), p) || !write(msg) {
			return
		}
	}
}
