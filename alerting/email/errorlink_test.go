package email

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/common/model"
)

// TestLinkURLAnnotation: an alert's link_url (the built-in error alerts'
// issue page) is a link in the HTML part and a line in the text part;
// an unsafe one is dropped like an unsafe runbook.
func TestLinkURLAnnotation(t *testing.T) {
	n := mustBuild(t, baseConfig)
	issue := "https://ward.example.com/errors/issues/a1b2c3"
	for _, tc := range []struct{ url, text, html, plain string }{
		{issue, "Open the issue", `<a href="` + issue + `" style="color:#1f5fbf;font-weight:bold;">Open the issue</a>`, "Link:        " + issue},
		{issue, "", `>Details</a>`, "Link:        " + issue},
		{"javascript:alert(1)", "x", `href="#ZgotmplZ"`, "Link:        javascript:alert(1)"},
	} {
		ann := model.LabelSet{"summary": "New error in shop", "link_url": model.LabelValue(tc.url)}
		if tc.text != "" {
			ann["link_text"] = model.LabelValue(tc.text)
		}
		a := alert.New(model.Alert{Labels: model.LabelSet{model.AlertNameLabel: "NewErrorIssue", "issue": "a1b2c3"}, Annotations: ann}, time.Now(), false)
		out, err := n.render.render(n.tmpl.Data("oncall", model.LabelSet{"alertname": "NewErrorIssue"}, nil, "first notification", a))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.html, tc.html) || !strings.Contains(out.text, tc.plain) {
			t.Errorf("link_url %s: want %q in HTML and %q in text:\n%s\n%s", tc.url, tc.html, tc.plain, out.html, out.text)
		}
	}
}
