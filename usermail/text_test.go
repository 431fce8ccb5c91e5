package usermail

import (
	"strings"
	"testing"
)

// TestRenderMail renders every kind; the HTML part escapes what the
// client chose (its user agent).
func TestRenderMail(t *testing.T) {
	v := mailView{User: "ada", IP: "192.0.2.1", UserAgent: `<script>alert(1)</script>`, Link: "https://ward.example.com/x?token=abc", Left: 3}
	for _, kind := range []string{"password_reset", "recovery_code_used", "new_client"} {
		t.Run(kind, func(t *testing.T) {
			text, html, err := renderMail(kind, v)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, "ada") || !strings.Contains(text, v.Link) || !strings.Contains(html, v.Link) {
				t.Errorf("text %q html %q", text, html)
			}
			if strings.Contains(html, "<script>") {
				t.Errorf("html part does not escape the user agent:\n%s", html)
			}
		})
	}
	if _, _, err := renderMail("no_such_kind", v); err == nil {
		t.Error("unknown kind rendered")
	}
}
