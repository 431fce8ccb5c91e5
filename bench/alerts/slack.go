package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sync"
	"time"
)

// idPattern finds the synthetic alerts a Slack message is about. The id
// is alphanumeric so that it survives JSON and URL escaping unchanged in
// whichever part of the message carries it (ward's Block Kit key labels
// and summary, Alertmanager's default title with the group labels).
var idPattern = regexp.MustCompile(`benchid[0-9]{3}`)

// benchID is the bench_id label value of alert n.
func benchID(n int) string { return fmt.Sprintf("benchid%03d", n) }

// slackSink is the fake Slack incoming webhook. It timestamps each POST
// when the handler is entered, before reading the body, and keeps the
// first arrival per alert id. A message whose alert was already delivered
// counts as a repeat; one that names no bench alert (ward's Watchdog, for
// example) as unrelated.
type slackSink struct {
	mu        sync.Mutex
	arrivals  map[string]time.Time
	waiters   map[string]chan struct{}
	posts     int
	repeats   int
	unrelated int
}

func newSlackSink() *slackSink {
	return &slackSink{arrivals: map[string]time.Time{}, waiters: map[string]chan struct{}{}}
}

func (s *slackSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ids := messageIDs(body)
	s.mu.Lock()
	s.posts++
	if len(ids) == 0 {
		s.unrelated++
	}
	for _, id := range ids {
		if _, seen := s.arrivals[id]; seen {
			s.repeats++
			continue
		}
		s.arrivals[id] = now
		if ch, ok := s.waiters[id]; ok {
			close(ch)
			delete(s.waiters, id)
		}
	}
	s.mu.Unlock()
	// What Slack's incoming webhooks answer.
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "ok")
}

// messageIDs returns the distinct alert ids a message body names.
func messageIDs(body []byte) []string {
	var ids []string
	seen := map[string]bool{}
	for _, m := range idPattern.FindAll(body, -1) {
		if id := string(m); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// wait blocks until a message about id has arrived, ctx ends or timeout
// passes, and returns the arrival time.
func (s *slackSink) wait(ctx context.Context, id string, timeout time.Duration) (time.Time, bool) {
	s.mu.Lock()
	if at, ok := s.arrivals[id]; ok {
		s.mu.Unlock()
		return at, true
	}
	ch, ok := s.waiters[id]
	if !ok {
		ch = make(chan struct{})
		s.waiters[id] = ch
	}
	s.mu.Unlock()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-ch:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.arrivals[id], true
	case <-timer.C:
	case <-ctx.Done():
	}
	return time.Time{}, false
}

// counts returns the POST counters.
func (s *slackSink) counts() (posts, repeats, unrelated int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts, s.repeats, s.unrelated
}
