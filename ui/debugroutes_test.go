package ui

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

// TestDebugProfiles checks that admins get the runtime's profiles in
// pprof's format, and nobody else gets them.
func TestDebugProfiles(t *testing.T) {
	s, base := startServer(t, discardLogger())
	admin := apiToken(t, s, "admin-profile", auth.RoleAdmin)
	viewer := apiToken(t, s, "viewer-profile", auth.RoleViewer)

	resp, body := doAs(t, "GET", base+"/debug/pprof/heap?gc=1", admin, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin heap profile: %d %s", resp.StatusCode, body)
	}
	// pprof's format: a gzipped protocol buffer whose string table
	// names the heap's sample types.
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the heap profile is not gzipped: %v", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("inuse_space")) || !bytes.Contains(raw, []byte("alloc_space")) {
		t.Errorf("the heap profile names no inuse_space/alloc_space samples (%d bytes)", len(raw))
	}
	resp, body = doAs(t, "GET", base+"/debug/pprof/goroutine?debug=1", admin, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "goroutine profile:") {
		t.Errorf("admin goroutine text profile: %d %.200s", resp.StatusCode, body)
	}
	for _, tt := range []struct {
		name, path, token string
		want              int
	}{
		{"viewer", "/debug/pprof/heap", viewer, http.StatusForbidden},
		{"anonymous", "/debug/pprof/heap", "", http.StatusUnauthorized},
		{"unknown profile", "/debug/pprof/cmdline", admin, http.StatusNotFound},
		{"bad debug", "/debug/pprof/heap?debug=x", admin, http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := doAs(t, "GET", base+tt.path, tt.token, nil, "Accept", "application/json")
			if resp.StatusCode != tt.want {
				t.Errorf("GET %s: %d %.200s, want %d", tt.path, resp.StatusCode, body, tt.want)
			}
		})
	}
}
