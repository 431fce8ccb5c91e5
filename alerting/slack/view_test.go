package slack

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/alertmanager/template"
)

func TestKeyLabels(t *testing.T) {
	kv := template.KV{
		"alertname": "X", "severity": "page", "zone": "b", "job": "api", "instance": "i-1",
		"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6", "long": strings.Repeat("x", 200),
	}
	got := keyLabels(kv)
	var names []string
	for _, p := range got {
		names = append(names, p.name)
		if len([]rune(p.value)) > maxLabelValue {
			t.Errorf("%s: %d runes, want at most %d", p.name, len([]rune(p.value)), maxLabelValue)
		}
	}
	if want := "instance job a b c d e f"; strings.Join(names, " ") != want {
		t.Errorf("key labels %v, want %s", names, want)
	}
}

func TestWardLink(t *testing.T) {
	base := mustURL(t, "https://ward.example.com/sub/")
	tests := []struct {
		group template.KV
		want  string
	}{
		{nil, "https://ward.example.com/sub/alerts"},
		{template.KV{"job": `a"b`, "alertname": "X"}, `https://ward.example.com/sub/alerts?filter=%7Balertname%3D%22X%22%2Cjob%3D%22a%5C%22b%22%7D`},
	}
	for _, tc := range tests {
		if got := wardLink(base, tc.group); got != tc.want {
			t.Errorf("wardLink(%v) = %s, want %s", tc.group, got, tc.want)
		}
	}
	if got := wardLink(nil, template.KV{"a": "b"}); got != "" {
		t.Errorf("wardLink without base = %q", got)
	}
}

func TestWebURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://runbooks.example.com/x": "https://runbooks.example.com/x",
		" http://wiki/x ":                "http://wiki/x",
		"javascript:alert(1)":            "",
		"/relative":                      "",
		"not a url":                      "",
	} {
		if got := webURL(in); got != want {
			t.Errorf("webURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOutsideTextIsEscaped: a label or annotation must not be able to ping
// the channel or inject a link.
func TestOutsideTextIsEscaped(t *testing.T) {
	f := newFakeSlack(t)
	n := newNotifier(t, botConfig(t, f), nil)
	a := testAlert("<!channel>", time.Now(), false)
	a.Annotations["summary"] = "<https://evil.example|click> & more"
	mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonFirstNotification, nil), a))

	c := f.received()[0]
	all := blocksOf(t, c) + c.Form.Get("text")
	for _, bad := range []string{"<!channel>", "<https://evil.example"} {
		if strings.Contains(all, bad) {
			t.Errorf("message contains %q unescaped:\n%s", bad, all)
		}
	}
	if !strings.Contains(all, "&lt;!channel&gt;") || !strings.Contains(all, "&amp; more") {
		t.Errorf("escaped text missing:\n%s", all)
	}
}
