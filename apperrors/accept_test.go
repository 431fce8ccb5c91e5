package apperrors

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestAcceptWaitsForCommit: Accept answers only once its events are in
// bbolt (an event answered 200 survives a crash), batches the requests
// waiting together, gives up with its context, and reports a failed
// commit.
func TestAcceptWaitsForCommit(t *testing.T) {
	f := newFixture(t)
	ev, _ := json.Marshal(exc("E", "x", "a.m:f"))
	results := make(chan error, 3)
	for range 3 {
		go func() { results <- f.svc.Accept(context.Background(), "1", []json.RawMessage{ev, ev}, t0) }()
	}
	for n, _ := f.svc.queue.depth(); n < 6; n, _ = f.svc.queue.depth() {
		<-f.svc.queue.wake
	}
	select {
	case err := <-results:
		t.Fatalf("Accept returned (%v) before the worker stored its events", err)
	default:
	}
	if is := f.issues(t, ""); len(is) != 0 {
		t.Fatalf("stored before the worker ran: %+v", is)
	}
	batch := f.svc.queue.take()
	if len(batch) != 6 {
		t.Fatalf("one batch of %d events, want the 3 requests' 6", len(batch))
	}
	f.svc.process(batch)
	for range 3 {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}
	if is := f.issues(t, ""); len(is) != 1 || is[0].Count != 6 {
		t.Errorf("issues %+v, want one of 6 events", is)
	}

	// The caller's context ends while it waits.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { results <- f.svc.Accept(ctx, "1", []json.RawMessage{ev}, t0) }()
	<-f.svc.queue.wake
	cancel()
	if err := <-results; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while waiting: %v", err)
	}
	f.svc.drain()

	// A commit that fails is an error for the caller, not a 200.
	g := newFixture(t)
	if err := os.WriteFile(filepath.Join(g.dir, "errors"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := g.accept("1", []json.RawMessage{ev}, t0); err == nil {
		t.Error("Accept succeeded though its event could not be stored")
	}
	if is := g.issues(t, ""); len(is) != 0 {
		t.Errorf("issues %+v after a failed commit", is)
	}
}
