package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
)

// TestErrorIssueDetails: the request line joins URL and query with one
// "?", breadcrumbs show type, category and data apart, and a regressed
// issue says so on its page and in the list.
func TestErrorIssueDetails(t *testing.T) {
	now := time.Now()
	mem := newMemErrors(now, 2)
	mem.issues[1].Regressions, mem.issues[1].StatusBy, mem.issues[1].StatusAt = 2, "ward", now.Add(-time.Hour)
	s, base := startErrorsServer(t, mem)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	_, body := doAs(t, "GET", base+"/errors/issues/iss0000", "", viewer)
	for _, want := range []string{
		`<code>POST https://shop.example/checkout/?api_key=[Filtered]</code>`,
		`<td data-label="Type">http</td><td data-label="Category">httplib</td>`,
		`<dt>status_code</dt><dd>502</dd>`, `<dt>url</dt><dd>https://pay.example/v1</dd>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("issue page lacks %q", want)
		}
	}
	if strings.Contains(body, ">regressed<") {
		t.Error("an issue that never regressed is called regressed")
	}
	_, body = doAs(t, "GET", base+"/errors/issues/iss0001", "", viewer)
	for _, want := range []string{">regressed</span>", "Regressed 2 times, last on", "release shop@1.9"} {
		if !strings.Contains(body, want) {
			t.Errorf("regressed issue page lacks %q", want)
		}
	}
	_, body = doAs(t, "GET", base+"/errors", "", viewer)
	if strings.Count(body, ">regressed</span>") != 1 || strings.Count(body, ">unresolved</span>") != 1 {
		t.Error("the list does not tell the regressed issue from the plain unresolved one")
	}
}

func TestErrorsRequestLine(t *testing.T) {
	for _, tc := range []struct {
		req  apperrors.Request
		want string
	}{
		{apperrors.Request{Method: "GET", URL: "http://a/pay/"}, "GET http://a/pay/"},
		{apperrors.Request{Method: "POST", URL: "http://a/pay/", QueryString: "k=1"}, "POST http://a/pay/?k=1"},
		{apperrors.Request{Method: "POST", URL: "http://a/pay/", QueryString: "?k=1"}, "POST http://a/pay/?k=1"},
		{apperrors.Request{URL: "http://a/?x=1", QueryString: "k=1"}, "http://a/?x=1&k=1"},
	} {
		if got := requestLine(tc.req); got != tc.want {
			t.Errorf("requestLine(%+v) = %q, want %q", tc.req, got, tc.want)
		}
	}
}

// TestErrorsCountScope: under an environment filter the counts say
// they are over all environments.
func TestErrorsCountScope(t *testing.T) {
	s, base := startErrorsServer(t, newMemErrors(time.Now(), 2))
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	if _, body := doAs(t, "GET", base+"/errors", "", viewer); strings.Contains(body, "all environments") {
		t.Error("counts qualified with no environment filter")
	}
	_, body := doAs(t, "GET", base+"/errors?environment=staging", "", viewer)
	if !strings.Contains(body, `<th scope="col">Events (all environments)</th>`) || !strings.Contains(body, `data-label="Users (all environments)"`) {
		t.Error("counts under an environment filter do not say they cover all environments")
	}
}

// TestErrorsPageOnce: with no issues the project is listed once, and
// the status is chosen by the tabs alone (no second status select).
func TestErrorsPageOnce(t *testing.T) {
	mem := newMemErrors(time.Now(), 0)
	s, base := startErrorsServer(t, mem)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	_, body := doAs(t, "GET", base+"/errors", "", viewer)
	if n := strings.Count(body, `href="/errors/projects/1"`); n != 1 || !strings.Contains(body, "No errors yet") {
		t.Errorf("empty /errors links the project %d times, want once", n)
	}
	_, body = doAs(t, "GET", base+"/errors?status=resolved", "", viewer)
	if strings.Contains(body, `id="errors-status"`) || !strings.Contains(body, `<input type="hidden" name="status" value="resolved">`) {
		t.Error("the status select is still there, or the filter form forgets the tab's status")
	}
}
