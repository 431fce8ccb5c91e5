package ui

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
)

// TestExportSlots: with maxConcurrentExports exports being written, the
// next is told to retry (503, Retry-After) before anything is read;
// once a slot is free it goes on.
func TestExportSlots(t *testing.T) {
	s, base := startServer(t, discardLogger())
	cookie := signIn(t, s, "vic", auth.RoleViewer)
	post := func() int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, base+"/account/export", strings.NewReader(url.Values{}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		req.AddCookie(cookie)
		resp, _ := send(t, req)
		if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		return resp.StatusCode
	}
	for range maxConcurrentExports {
		s.exports <- struct{}{}
	}
	if got := post(); got != http.StatusServiceUnavailable {
		t.Errorf("with every slot taken: %d, want 503", got)
	}
	s.exportDone()
	if got := post(); got == http.StatusServiceUnavailable {
		t.Errorf("with a slot free: still 503")
	}
}

// TestExportsKeepMarkup: an event full of <, > and & is written at its
// own size, not six times it (JSON's HTML escaping).
func TestExportsKeepMarkup(t *testing.T) {
	msg := strings.Repeat("<&>", 10000)
	var b bytes.Buffer
	if err := writeCompact(&b, apperrors.Event{Message: msg}); err != nil {
		t.Fatal(err)
	}
	if b.Len() > len(msg)+200 {
		t.Errorf("writeCompact: %d bytes for a %d-byte message", b.Len(), len(msg))
	}
	b.Reset()
	if err := writePeopleExport(&b, []apperrors.Event{{Message: msg}}, peopleExport{Matched: -1}); err != nil {
		t.Fatal(err)
	}
	if b.Len() > len(msg)+200 {
		t.Errorf("writePeopleExport: %d bytes for a %d-byte message", b.Len(), len(msg))
	}
}
