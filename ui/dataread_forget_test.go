package ui

import (
	"testing"
	"time"
)

// TestPolledReadForgotten: a read whose record failed is not counted
// in its window, so the next read is recorded (and served) again.
func TestPolledReadForgotten(t *testing.T) {
	var l denialLimiter
	now := time.Now()
	if ok, _ := l.record("ann", "backup-log r1", now); !ok {
		t.Fatal("the first read was not to be recorded")
	}
	if ok, _ := l.record("ann", "backup-log r1", now.Add(time.Second)); ok {
		t.Fatal("a second read in the window was to be recorded")
	}
	l.forget("ann", "backup-log r1")
	if ok, _ := l.record("ann", "backup-log r1", now.Add(2*time.Second)); !ok {
		t.Error("after a failed record, the next read was not to be recorded")
	}
}
