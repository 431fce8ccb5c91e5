package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/apperrors/ingest"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
	"github.com/ward-monitoring/ward/storage"
)

// startProjectServer serves mem with st as project 1's ingest stats.
func startProjectServer(tb testing.TB, mem *memErrors, st ingest.Stats) (*Server, string) {
	tb.Helper()
	return startServerEdit(tb, discardLogger(), testAuthConfig(), func(d *Deps, _ *storage.State) {
		d.Errors = mem
		d.ErrorIngestStats = func(id string) ingest.Stats {
			if id != "1" {
				return ingest.Stats{}
			}
			return st
		}
	})
}

// TestErrorsProjectStats (issue 16 trial): the project page shows each
// key by its prefix with its last accepted event and the refused
// requests by reason, so a wrong DSN does not look like "no errors";
// it says browser SDKs are not accepted and why.
func TestErrorsProjectStats(t *testing.T) {
	used := time.Date(2026, 5, 1, 12, 30, 0, 0, time.UTC)
	st := ingest.Stats{
		Since:  time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC),
		Keys:   []ingest.KeyUse{{Prefix: "01234567", LastUsed: used}, {Prefix: "fedcba98"}},
		BadKey: 7, TooLarge: 2,
	}
	s, base := startProjectServer(t, newMemErrors(time.Now(), 2), st)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	resp, body := doAs(t, "GET", base+"/errors/projects/1", "", viewer)
	if resp.StatusCode != 200 {
		t.Fatalf("project page: %d", resp.StatusCode)
	}
	for _, want := range []string{
		"Are events arriving?", "Since ward started (2026-05-01 08:00:00 UTC)",
		"<code>01234567…</code>: last accepted event 2026-05-01 12:30:00 UTC", "<code>fedcba98…</code>: no accepted event",
		"wrong or missing key (check the DSN): 7", "too large: 2",
		"Browser SDKs do not", "ward refuses those (403)", `<pre class="scroll copyable" id="django-snippet" tabindex="0"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("project page lacks %q", want)
		}
	}
	for _, not := range []string{"malformed request:", "rate limit:", "Any other Sentry SDK", "browser SDKs ship it", "0123456789abcdef0123456789abcdef</code>"} {
		if strings.Contains(body, not) {
			t.Errorf("project page has %q", not)
		}
	}
}

// TestErrorsProjectBrowserPhone: at 390 px the Django snippet keeps its
// lines and scrolls inside its box, the page does not scroll sideways,
// and axe passes (the box takes keyboard focus).
func TestErrorsProjectBrowserPhone(t *testing.T) {
	st := ingest.Stats{Since: time.Now(), Keys: []ingest.KeyUse{{Prefix: "01234567", LastUsed: time.Now()}}, BadKey: 1}
	s, base := startProjectServer(t, newMemErrors(time.Now(), 2), st)
	ctx := browserSignIn(t, s, base, "olga", auth.RoleOperator, 390)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/errors/projects/1"), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
		t.Fatal(err)
	}
	servicetest.Axe(t, ctx, "project page")
	servicetest.NoSidewaysScroll(t, ctx, "project page")
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const p = document.getElementById("django-snippet"), cs = getComputedStyle(p);
		return [p.scrollWidth > p.clientWidth, cs.whiteSpace, cs.overflowX, p.getBoundingClientRect().right <= document.documentElement.clientWidth].join(" ");
	})()`))
	if err != nil || got != "true pre auto true" {
		t.Errorf("snippet: %q (%v), want it scrolling inside its box", got, err)
	}
}
