package ui

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
)

// TestErrorsChangedNotice: after Resolve the page names the issue (its
// title cut at 80 bytes) and its new status, and offers operators an
// Undo that posts the status before and returns to the same page
// without the notice; Undo itself is undoable. Viewers see no Undo; a
// notice for an unknown issue says only that a status changed.
func TestErrorsChangedNotice(t *testing.T) {
	mem := newMemErrors(time.Now(), 2)
	mem.issues[0].Title = "OperationalError: " + strings.Repeat("x", 200)
	s, base := startErrorsServer(t, mem)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	operator := signIn(t, s, "olga", auth.RoleOperator)

	resp, _ := postFormAs(t, base+"/errors/issues/iss0000/status", operator, url.Values{"status": {"resolved"}, "back": {"/errors?environment=production"}})
	loc := resp.Header.Get("Location")
	_, body := doAs(t, "GET", base+loc, "", operator)
	cut := mem.issues[0].Title[:80] + "…"
	for _, want := range []string{
		`<div class="notice changed-notice" role="status"><p>Issue “<a href="/errors/issues/iss0000">` + cut + `</a>” is now resolved.</p>`,
		`<input type="hidden" name="back" value="/errors?environment=production">`,
		`<button type="submit" class="secondary" name="status" value="unresolved">Undo (reopen)</button>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("after resolve (%s) the list lacks %s", loc, want)
		}
	}
	if strings.Contains(body, "Issue status changed.") {
		t.Error("the notice does not name the issue")
	}
	_, vbody := doAs(t, "GET", base+loc, "", viewer)
	if !strings.Contains(vbody, "is now resolved.") || strings.Contains(vbody, "Undo") {
		t.Error("viewer: want the notice without Undo")
	}

	// Undo: the issue is unresolved again, back on the list, and the
	// notice offers to resolve it once more.
	resp, _ = postFormAs(t, base+"/errors/issues/iss0000/status", operator, url.Values{"status": {"unresolved"}, "back": {"/errors?environment=production"}})
	if got := resp.Header.Get("Location"); got != "/errors?changed=iss0000&environment=production&was=resolved" {
		t.Fatalf("undo: to %q", got)
	}
	mem.mu.Lock()
	st, n := mem.issues[0].Status, len(mem.statuses)
	mem.mu.Unlock()
	if st != apperrors.StatusUnresolved || n != 2 {
		t.Errorf("after undo: status %s, %d changes", st, n)
	}
	_, body = doAs(t, "GET", base+resp.Header.Get("Location"), "", operator)
	if !strings.Contains(body, "is now unresolved.") || !strings.Contains(body, `value="resolved">Undo (mark resolved again)</button>`) {
		t.Error("after undo: want the notice with an Undo that resolves")
	}

	// An ignore from the issue page: short titles are whole.
	resp, _ = postFormAs(t, base+"/errors/issues/iss0001/status", operator, url.Values{"status": {"ignored"}, "back": {"/errors/issues/iss0001?range=14d"}})
	_, body = doAs(t, "GET", base+resp.Header.Get("Location"), "", operator)
	if !strings.Contains(body, `">KeyError: &#39;sku-1&#39;</a>” is now ignored.`) ||
		!strings.Contains(body, `name="back" value="/errors/issues/iss0001?range=14d"`) || !strings.Contains(body, `value="unresolved">Undo (reopen)`) {
		t.Error("after ignore on the issue page: want its title, ignored, and Undo back to the same page")
	}
	for _, q := range []string{"changed=nope&was=resolved", "changed=%3Cx%3E"} {
		_, body = doAs(t, "GET", base+"/errors?"+q, "", operator)
		if !strings.Contains(body, "<p>Issue status changed.</p>") || strings.Contains(body, "Undo") {
			t.Errorf("?%s: want the plain notice, no Undo", q)
		}
	}
	// A was equal to the status now offers nothing to undo.
	_, body = doAs(t, "GET", base+"/errors?changed=iss0001&was=ignored", "", operator)
	if !strings.Contains(body, "is now ignored.") || strings.Contains(body, "Undo") {
		t.Error("was = now: want no Undo")
	}
}
