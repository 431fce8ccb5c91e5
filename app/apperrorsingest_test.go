package app

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestErrorIngestFollowsReload: the Sentry endpoints of a running ward
// take the configured project's key, and a reload that rotates the key
// refuses the old one.
func TestErrorIngestFollowsReload(t *testing.T) {
	const oldKey, newKey = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
	project := func(key string) string {
		return "errors:\n  projects:\n    - {id: \"7\", name: shop, keys: [" + key + "]}\n"
	}
	in := startWard(t, project(oldKey))
	store := func(key string) int {
		t.Helper()
		req, err := http.NewRequest("POST", in.base+"/api/7/store/", strings.NewReader(`{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","message":"boom"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := store(oldKey); got != 200 {
		t.Fatalf("configured key: %d", got)
	}
	if got := store(newKey); got != 403 {
		t.Fatalf("unknown key: %d", got)
	}
	cfg, err := os.ReadFile(in.cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in.cfgFile, []byte(strings.Replace(string(cfg), oldKey, newKey, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, body := in.postReload(t); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	if old, cur := store(oldKey), store(newKey); old != 403 || cur != 200 {
		t.Errorf("after rotation: old key %d, new key %d", old, cur)
	}
}
