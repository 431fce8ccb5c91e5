package envelope

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const event = `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","level":"error","exception":{"values":[{"type":"ValueError","value":"boom"}]}}`

func TestParse(t *testing.T) {
	body := `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://abc@ward.example/1","sdk":{"name":"sentry.python","version":"1.9.10"}}
{"type":"event","length":` + fmt.Sprint(len(event)) + `}
` + event + `
{"type":"session"}
{"sid":"x","status":"ok"}
{"type":"attachment","length":7,"filename":"a.txt"}
line1
2`
	env, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if env.Header.DSN != "https://abc@ward.example/1" || env.Header.EventID != "9ec79c33ec9942ab8353589fcb2e04dc" || env.Header.SDK.Name != "sentry.python" {
		t.Errorf("header = %+v", env.Header)
	}
	want := []Item{{"event", []byte(event)}, {"session", []byte(`{"sid":"x","status":"ok"}`)}, {"attachment", []byte("line1\n2")}}
	if len(env.Items) != len(want) {
		t.Fatalf("items = %d, want %d", len(env.Items), len(want))
	}
	for i, w := range want {
		if env.Items[i].Type != w.Type || !bytes.Equal(env.Items[i].Payload, w.Payload) {
			t.Errorf("item %d = %s %q, want %s %q", i+1, env.Items[i].Type, env.Items[i].Payload, w.Type, w.Payload)
		}
	}
	if id := EventID(env.Items[0].Payload); id != "9ec79c33ec9942ab8353589fcb2e04dc" {
		t.Errorf("EventID = %q", id)
	}
}

// TestParseHostile: every malformed or oversized envelope is an *Error
// with the right status and a reason naming the item.
func TestParseHostile(t *testing.T) {
	items := func(n int) string {
		var b strings.Builder
		b.WriteString("{}\n")
		for range n {
			b.WriteString("{\"type\":\"session\"}\n{}\n")
		}
		return b.String()
	}
	deep := `{"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`
	okDepth := `{"a":` + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + `}`
	bigEvent := `{"a":"` + strings.Repeat("x", MaxEventBytes) + `"}`
	for _, tc := range []struct {
		name   string
		body   string
		status int
		reason string
	}{
		{"empty", "", 400, "envelope header: want a JSON object"},
		{"header not JSON", "hello\n", 400, "envelope header: want a JSON object"},
		{"header bad JSON", "{hello}\n", 400, "envelope header: not JSON"},
		{"header an array", "[1]\n", 400, "envelope header: want a JSON object"},
		{"header too long", `{"x":"` + strings.Repeat("a", MaxHeaderBytes) + "\"}\n", 413, "envelope header of"},
		{"item header not JSON", "{}\n{type: event}\n{}", 400, "item 1: header: not JSON"},
		{"item without type", "{}\n{\"length\":2}\n{}", 400, "item 1: header has no type"},
		{"lying length, too long", "{}\n{\"type\":\"event\",\"length\":5000}\n" + event, 400,
			fmt.Sprintf("item 1: length 5000 exceeds the remaining %d bytes", len(event))},
		{"lying length, too short", "{}\n{\"type\":\"event\",\"length\":10}\n" + event, 400, "item 1: length 10 ends inside the payload"},
		{"negative length", "{}\n{\"type\":\"event\",\"length\":-1}\n" + event, 400, "item 1: length -1 is not a byte count"},
		{"fractional length", "{}\n{\"type\":\"event\",\"length\":1.5}\n" + event, 400, "item 1: length 1.5 is not a byte count"},
		{"huge length", "{}\n{\"type\":\"event\",\"length\":99999999999999999999}\n" + event, 400, "is not a byte count"},
		{"string length", "{}\n{\"type\":\"event\",\"length\":\"5\"}\n" + event, 400, "item 1: length \"5\" is not a byte count"},
		{"truncated event", "{}\n{\"type\":\"event\"}\n" + event[:40], 400, "item 1: event: unexpected end of JSON input"},
		{"event not an object", "{}\n{\"type\":\"event\"}\n[1,2]", 400, "item 1: event: want a JSON object"},
		{"second item bad", "{}\n{\"type\":\"session\"}\n{}\n{\"type\":\"event\"}\n{\"a\":", 400, "item 2: event"},
		{"deep event", "{}\n{\"type\":\"event\"}\n" + deep, 400, "item 1: event: nested deeper than 32 levels"},
		{"deep header", "{\"a\":" + strings.Repeat("[", 10000) + "\n", 400, "envelope header: nested deeper"},
		{"101 items", items(MaxItems + 1), 413, "more than 100 items"},
		{"event over 1 MB", "{}\n{\"type\":\"event\"}\n" + bigEvent, 413, "item 1: event of"},
		{"request over 2 MB", "{}\n" + strings.Repeat("x", MaxRequestBytes), 413, "request of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.body))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Status != tc.status || !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("got %d %q, want %d containing %q", e.Status, e.Reason, tc.status, tc.reason)
			}
		})
	}
	// The limits themselves are allowed.
	for name, body := range map[string]string{
		"100 items":       items(MaxItems),
		"depth 32":        "{}\n{\"type\":\"event\"}\n" + okDepth,
		"brackets in str": "{}\n{\"type\":\"event\"}\n" + `{"a":"` + strings.Repeat(`[\"`, 100) + `"}`,
		"no items":        "{}\n",
		"no newline":      "{}",
		"trailing":        "{}\n{\"type\":\"event\",\"length\":2}\n{}\n",
	} {
		if _, err := Parse([]byte(body)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParseStore(t *testing.T) {
	if _, err := ParseStore([]byte(event)); err != nil {
		t.Fatal(err)
	}
	for body, reason := range map[string]string{
		`{"a":1`:                       "event: unexpected end",
		`"text"`:                       "event: want a JSON object",
		strings.Repeat("[", 1_000_000): "nested deeper than 32",
		`{"a":"` + strings.Repeat("x", MaxEventBytes) + `"}`: "exceeds 1048576 bytes",
	} {
		_, err := ParseStore([]byte(body))
		if err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("%.20q: err = %v, want %q", body, err, reason)
		}
	}
}

func compress(tb testing.TB, enc string, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "raw-deflate":
		w, _ = flate.NewWriter(&buf, flate.BestCompression)
	}
	if _, err := w.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecode(t *testing.T) {
	plain := []byte("{}\n{\"type\":\"event\"}\n" + event)
	for _, tc := range []struct{ header, enc string }{
		{"", ""}, {"identity", ""}, {"gzip", "gzip"}, {"GZIP", "gzip"}, {"deflate", "deflate"}, {"deflate", "raw-deflate"},
	} {
		body := plain
		if tc.enc != "" {
			body = compress(t, tc.enc, plain)
		}
		got, err := Decode(bytes.NewReader(body), tc.header)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s (%s): %q, %v", tc.header, tc.enc, got, err)
		}
	}
	// A zip bomb: 1 GB of zeros would compress to 1 MB; 64 MB to 64 KB.
	// Decoding stops at the limit.
	bomb := compress(t, "gzip", make([]byte, 64<<20))
	status := func(err error) int {
		var e *Error
		if errors.As(err, &e) {
			return e.Status
		}
		return 0
	}
	if _, err := Decode(bytes.NewReader(bomb), "gzip"); status(err) != http.StatusRequestEntityTooLarge {
		t.Errorf("gzip bomb: %v, want 413", err)
	}
	if _, err := Decode(bytes.NewReader(compress(t, "deflate", make([]byte, 64<<20))), "deflate"); status(err) != 413 {
		t.Errorf("deflate bomb: %v, want 413", err)
	}
	for enc, want := range map[string]int{"br": 415, "zstd": 415, "gzip, br": 415} {
		if _, err := Decode(bytes.NewReader(plain), enc); status(err) != want {
			t.Errorf("%s: %v, want %d", enc, err, want)
		}
	}
	if _, err := Decode(bytes.NewReader(plain), "gzip"); status(err) != 400 {
		t.Errorf("gzip header on a plain body: %v, want 400", err)
	}
	if _, err := Decode(bytes.NewReader(compress(t, "gzip", plain)[:20]), "gzip"); status(err) != 400 {
		t.Errorf("truncated gzip: %v, want 400", err)
	}
	if _, err := Decode(bytes.NewReader(make([]byte, MaxCompressedBytes+1)), ""); status(err) != 413 {
		t.Errorf("oversized body: %v, want 413", err)
	}
}
