package ui

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

// TestDocsPages: every documentation link the console gives opens a page
// ward serves itself (no internet needed): the README with the section
// each link names, and the example configuration as text.
func TestDocsPages(t *testing.T) {
	s, base := startServer(t, discardLogger())
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	resp, readme := doAs(t, "GET", base+"/docs", "", viewer)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/docs: %d", resp.StatusCode)
	}
	for _, href := range []string{docsConfiguration, docsChecks, docsAlerting, docsRules} {
		path, anchor, _ := strings.Cut(href, "#")
		if path != "/docs" || !strings.Contains(readme, `id="`+anchor+`"`) {
			t.Errorf("%s: /docs has no section %q", href, anchor)
		}
	}
	_, article, _ := strings.Cut(readme, `<article class="runbook docs">`)
	article, _, _ = strings.Cut(article, "</article>")
	if len(article) < 10000 || strings.Contains(article, "<script") {
		t.Errorf("the rendered README: %d bytes, script %v", len(article), strings.Contains(article, "<script"))
	}
	resp, cfg := doAs(t, "GET", base+docsExampleConfig, "", viewer)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || !strings.Contains(cfg, "scrape_configs:") {
		t.Errorf("%s: %d %s", docsExampleConfig, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := doAs(t, "GET", base+"/docs", "", nil); resp.StatusCode == http.StatusOK {
		t.Error("/docs answered a signed-out request")
	}
}
