package servicetest

import (
	"testing"
	"time"
)

// Eventually polls cond until it holds, and fails the test naming what it
// waited for when timeout passes first. Tests wait on the condition they
// need, never on a fixed sleep that is too short on a busy machine and too
// long on an idle one.
func Eventually(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
