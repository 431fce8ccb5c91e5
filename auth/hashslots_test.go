package auth

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/storage"
)

// peakHasher is real argon2id that records how many hashes ran at once.
type peakHasher struct {
	Argon2id
	now, peak atomic.Int32
}

func (h *peakHasher) Verify(password, encoded string) (bool, bool, error) {
	n := h.now.Add(1)
	defer h.now.Add(-1)
	for {
		p := h.peak.Load()
		if n <= p || h.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(20 * time.Millisecond) // long enough for requests to pile up
	return h.Argon2id.Verify(password, encoded)
}

// TestConcurrentHashesAreBounded: sign-ins from many addresses at once
// (each 19 MiB of argon2id in production) never hash more than
// MaxConcurrentHashes at a time (review: 70 concurrent unauthenticated
// sign-ins held 1.4 GB).
func TestConcurrentHashesAreBounded(t *testing.T) {
	st, err := storage.OpenState(filepath.Join(t.TempDir(), "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := &peakHasher{Argon2id: Argon2id{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	svc, err := New(st, DefaultConfig(), Options{Hasher: h, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = svc.Login(t.Context(), LoginRequest{Username: fmt.Sprintf("ghost%d", i), Password: "x", IP: fmt.Sprintf("2001:db8:%x::1", i), UserAgent: "ua"})
		}()
	}
	wg.Wait()
	if p := h.peak.Load(); p > MaxConcurrentHashes || p < 2 {
		t.Fatalf("%d hashes at once, want 2..%d", p, MaxConcurrentHashes)
	}
}
