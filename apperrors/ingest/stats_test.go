package ingest

import (
	"strings"
	"testing"
	"time"
)

// TestStats: a project's stats name each configured key by its prefix
// with its last accepted event, and count refusals by reason.
func TestStats(t *testing.T) {
	f := newFixture(t)
	ev := "{\"type\":\"event\"}\n" + testEvent
	t0 := f.now
	f.post("/api/1/store/", testEvent, "X-Sentry-Auth", auth(key1))
	f.now = t0.Add(time.Minute)
	// The key of the envelope's dsn alone.
	f.post("/api/1/envelope/", envelopeOf("https://"+key1b+"@ward.example/1", ev))
	f.post("/api/1/store/", testEvent, "X-Sentry-Auth", auth(wrong))
	f.post("/api/1/store/?sentry_key="+key1+"&sentry_key="+key1, testEvent)
	f.post("/api/1/store/", "{", "X-Sentry-Auth", auth(key1))
	f.post("/api/1/store/", strings.Repeat(" ", 3<<20), "X-Sentry-Auth", auth(key1))
	f.post("/api/999/store/", testEvent, "X-Sentry-Auth", auth(wrong)) // no project: counted nowhere
	st := f.h.Stats("1")
	if len(st.Keys) != 2 || st.Keys[0].Prefix != key1[:KeyPrefixLen] || st.Keys[1].Prefix != key1b[:KeyPrefixLen] {
		t.Fatalf("keys %+v", st.Keys)
	}
	if !st.Keys[0].LastUsed.Equal(t0) || !st.Keys[1].LastUsed.Equal(t0.Add(time.Minute)) {
		t.Errorf("last used %+v", st.Keys)
	}
	if st.BadKey != 2 || st.BadRequest != 1 || st.TooLarge != 1 || st.RateLimited != 0 || !st.Since.Equal(t0) {
		t.Errorf("stats %+v", st)
	}
	if st := f.h.Stats("2"); len(st.Keys) != 1 || !st.Keys[0].LastUsed.IsZero() || st.BadKey != 0 {
		t.Errorf("project 2: %+v", st)
	}
	if st := f.h.Stats("999"); len(st.Keys) != 0 || len(f.h.stats.by) != 1 {
		t.Errorf("no project: %+v, %d kept", st, len(f.h.stats.by))
	}
}
