package ui

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

func renderRunbook(tb testing.TB, rb runbook) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := rb.HTML.Render(context.Background(), &buf); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

// TestParseRunbooks: sections split at "## ", Markdown rendered, and raw
// HTML or script links in a runbook never reach the page.
func TestParseRunbooks(t *testing.T) {
	src := "# Title\n\nintro\n\n## First\n\n**Meaning.** `up == 0`\n\n- one\n\n" +
		"## Second\n\n<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) and <b>bold</b>\n"
	set, err := parseRunbooks([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.list) != 2 || set.list[0].Name != "First" || set.list[1].Name != "Second" {
		t.Fatalf("sections %+v", set.list)
	}
	first := renderRunbook(t, set.list[0])
	for _, want := range []string{"<strong>Meaning.</strong>", "<code>up == 0</code>", "<li>one</li>"} {
		if !strings.Contains(first, want) {
			t.Errorf("First lacks %s:\n%s", want, first)
		}
	}
	if strings.Contains(first, "intro") {
		t.Errorf("the file's introduction leaked into First:\n%s", first)
	}
	second := renderRunbook(t, set.list[1])
	for _, bad := range []string{"<script", "<img", "onerror", "javascript:", "<b>"} {
		if strings.Contains(second, bad) {
			t.Errorf("Second keeps %s:\n%s", bad, second)
		}
	}
	if rb, ok := set.find("second"); !ok || rb.Name != "Second" {
		t.Errorf("lower-case lookup: %+v %v", rb, ok)
	}
}

// TestRunbookPages: every built-in runbook is served, the index lists
// them, and an unknown alert is a 404 page.
func TestRunbookPages(t *testing.T) {
	s, base := startServer(t, discardLogger())
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	set, err := runbooks()
	if err != nil {
		t.Fatal(err)
	}
	if len(set.list) < 17 {
		t.Fatalf("%d built-in runbooks", len(set.list))
	}
	resp, index := doAs(t, "GET", base+"/runbooks", "", viewer)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("index: %d", resp.StatusCode)
	}
	for _, rb := range set.list {
		if !strings.Contains(index, `href="/runbooks/`+rb.Name+`"`) {
			t.Errorf("index lacks %s", rb.Name)
		}
		resp, body := doAs(t, "GET", base+"/runbooks/"+rb.Name, "", viewer)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>"+rb.Name+"</h1>") || !strings.Contains(body, "<strong>Meaning.</strong>") {
			t.Errorf("%s: %d\n%s", rb.Name, resp.StatusCode, body)
		}
	}
	resp, body := doAs(t, "GET", base+"/runbooks/NoSuchAlert", "", viewer)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "no built-in runbook for NoSuchAlert") {
		t.Errorf("unknown runbook: %d\n%s", resp.StatusCode, body)
	}
}
