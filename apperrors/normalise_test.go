package apperrors

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestNormalise(t *testing.T) {
	recv := t0
	cases := []struct {
		name  string
		json  string
		check func(t *testing.T, p parsed)
	}{
		{"timestamp as RFC 3339", `{"timestamp":"2026-05-04T09:59:58.5Z"}`, func(t *testing.T, p parsed) {
			if !p.Timestamp.Equal(t0.Add(-1500 * time.Millisecond)) {
				t.Errorf("timestamp %v", p.Timestamp)
			}
		}},
		{"timestamp as seconds", `{"timestamp":1777888798.25}`, func(t *testing.T, p parsed) {
			if !p.Timestamp.Equal(time.Unix(1777888798, 250e6)) {
				t.Errorf("timestamp %v", p.Timestamp)
			}
		}},
		{"timestamp odd", `{"timestamp":{"x":1}}`, func(t *testing.T, p parsed) {
			if !p.Timestamp.Equal(recv) {
				t.Errorf("timestamp %v, want the received time", p.Timestamp)
			}
		}},
		{"tags as pairs, headers as pairs, query as pairs", `{"tags":[["a","1"],["b",2]],"request":{"method":"GET","headers":[["Host","x"]],"query_string":[["q","1"],["p","2"]]}}`, func(t *testing.T, p parsed) {
			if p.Tags["a"] != "1" || p.Tags["b"] != "2" || p.Request.Headers["Host"] != "x" || p.Request.QueryString != "q=1&p=2" {
				t.Errorf("tags %v request %+v", p.Tags, p.Request)
			}
		}},
		{"tags as object", `{"tags":{"a":"1"}}`, func(t *testing.T, p parsed) {
			if p.Tags["a"] != "1" {
				t.Errorf("tags %v", p.Tags)
			}
		}},
		{"breadcrumbs as values", `{"breadcrumbs":{"values":[{"message":"m","category":"c","timestamp":1777888798}]}}`, func(t *testing.T, p parsed) {
			if len(p.Breadcrumbs) != 1 || p.Breadcrumbs[0].Message != "m" || p.Breadcrumbs[0].Timestamp.Unix() != 1777888798 {
				t.Errorf("breadcrumbs %+v", p.Breadcrumbs)
			}
		}},
		{"breadcrumbs as list", `{"breadcrumbs":[{"message":"m"},"junk"]}`, func(t *testing.T, p parsed) {
			if len(p.Breadcrumbs) != 1 {
				t.Errorf("breadcrumbs %+v", p.Breadcrumbs)
			}
		}},
		{"logentry with params", `{"logentry":{"message":"user %s has %d items","params":["ann",3]}}`, func(t *testing.T, p parsed) {
			if p.Message != "user ann has 3 items" || p.template != "user %s has %d items" {
				t.Errorf("message %q template %q", p.Message, p.template)
			}
		}},
		{"logentry formatted", `{"logentry":{"formatted":"done"}}`, func(t *testing.T, p parsed) {
			if p.Message != "done" {
				t.Errorf("message %q", p.Message)
			}
		}},
		{"exception list, frames, in_app, user, level", `{"event_id":"3F2B8C1E-9A4D-4E5F-8B6A-1C2D3E4F5A6B","level":"warn","user":{"id":7,"ip_address":"{{auto}}"},
			"exception":[{"type":"E","value":"v","module":"m","stacktrace":{"frames":[{"function":"f","lineno":3,"in_app":true,"vars":{"a":1}}]}}]}`, func(t *testing.T, p parsed) {
			if p.ID != "3f2b8c1e9a4d4e5f8b6a1c2d3e4f5a6b" || p.Level != "warning" || p.User.ID != "7" || p.User.IPAddress != "" {
				t.Errorf("event %+v user %+v", p.Event, p.User)
			}
			if len(p.Exceptions) != 1 || p.Exceptions[0].Frames[0].Lineno != 3 || !p.Exceptions[0].Frames[0].InApp {
				t.Errorf("exceptions %+v", p.Exceptions)
			}
		}},
		{"everything the wrong type", `{"event_id":5,"exception":"x","breadcrumbs":7,"tags":"t","request":[1],"user":"u","fingerprint":{"a":1},"logentry":[],"level":true,"timestamp":-5}`, func(t *testing.T, p parsed) {
			if len(p.ID) != 32 || p.Exceptions != nil || p.Request != nil || p.User != nil || p.Tags != nil || p.fingerprint != nil {
				t.Errorf("%+v", p)
			}
		}},
		{"a long stack keeps both ends", longStack(500), func(t *testing.T, p parsed) {
			fr := p.Exceptions[0].Frames
			if len(fr) != MaxFrames || fr[0].Function != "f0" || fr[len(fr)-1].Function != "f499" {
				t.Errorf("%d frames, %s..%s", len(fr), fr[0].Function, fr[len(fr)-1].Function)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tree, err := decodeEvent([]byte(c.json))
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, normalise(tree, recv))
		})
	}
	if _, err := decodeEvent([]byte(`[1]`)); err == nil {
		t.Error("a list is not an event")
	}
}

func longStack(n int) string {
	var frames []any
	for i := range n {
		frames = append(frames, map[string]any{"function": "f" + itoa(i), "in_app": true})
	}
	b, _ := json.Marshal(map[string]any{"exception": map[string]any{"values": []any{map[string]any{"type": "E", "stacktrace": map[string]any{"frames": frames}}}}})
	return string(b)
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// FuzzNormalise: no event, however odd, panics the pipeline, and what
// comes out marshals.
func FuzzNormalise(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"module":"m","function":"f","in_app":true}]}}]}}`,
		`{"message":{"formatted":"x"},"fingerprint":["{{ default }}",1,null]}`, `{"logentry":{"message":"%s %s %d","params":[1]}}`,
		`{"request":{"cookies":"a=b","headers":[["Cookie","x"],[1,2],[]],"query_string":"a=1&token=2&%zz","data":"{\"password\":1}","url":"http://x/?session=1"}}`,
		`{"tags":[["a"],["b","c","d"]],"breadcrumbs":{"values":null},"timestamp":"yesterday","user":{"id":{"x":1}}}`,
		`{"timestamp":1e300,"exception":[null,{"stacktrace":{"frames":[null,1,{"lineno":-1}]}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		tree, err := decodeEvent(raw)
		if err != nil {
			return
		}
		scrub(tree)
		p := normalise(tree, t0)
		_ = groupingKey(&p)
		_ = title(&p)
		_ = culprit(&p.Event)
		if _, err := json.Marshal(p.Event); err != nil {
			t.Fatal(err)
		}
	})
}

// Frames an old SDK marks in_app are library frames when their path is
// a library's or the standard library's.
func TestLibraryFramesNotInApp(t *testing.T) {
	for path, want := range map[string]bool{
		"/usr/lib/python3/dist-packages/django/core/handlers/base.py": false,
		"/srv/venv/lib/python3.11/site-packages/requests/api.py":      false,
		"/usr/lib/python3.11/json/decoder.py":                         false,
		"/usr/local/lib/python3.12/asyncio/base_events.py":            false,
		`C:\Python311\Lib\site-packages\django\views\generic\base.py`: false,
		"/srv/shop/shop/views.py":                                     true,
		"/srv/shop/library/python_helpers.py":                         true,
		"shop/views.py":                                               true,
	} {
		f := frame(map[string]any{"abs_path": path, "filename": path, "in_app": true})
		if f.InApp != want {
			t.Errorf("%s: in_app %v, want %v", path, f.InApp, want)
		}
	}
	if f := frame(map[string]any{"abs_path": "/srv/shop/shop/views.py"}); f.InApp {
		t.Errorf("a frame the SDK did not mark in_app became in-app")
	}
}

// TestBreadcrumbData: a breadcrumb's data is kept as text, bounded to
// MaxCrumbData keys (the first in byte order) of MaxCrumbDataValue bytes.
func TestBreadcrumbData(t *testing.T) {
	data := map[string]any{"url": "https://api.example/v1", "status_code": 502, "ok": false, "reason": nil,
		"body": strings.Repeat("é", MaxCrumbDataValue), "headers": map[string]any{"Accept": "a<b"}, "ids": []any{1, 2}}
	for i := range 2 * MaxCrumbData {
		data[fmt.Sprintf("z%02d", i)] = i
	}
	raw, _ := json.Marshal(map[string]any{"breadcrumbs": []any{map[string]any{"message": "GET", "data": data}, map[string]any{"message": "no data"}}})
	tree, err := decodeEvent(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := normalise(tree, t0)
	d := p.Breadcrumbs[0].Data
	if len(d) != MaxCrumbData || d["url"] != "https://api.example/v1" || d["status_code"] != "502" || d["ok"] != "false" ||
		d["reason"] != "null" || d["headers"] != `{"Accept":"a<b"}` || d["ids"] != "[1,2]" || d["z12"] != "12" || d["z13"] != "" {
		t.Errorf("data %v", d)
	}
	if b := d["body"]; len(b) != MaxCrumbDataValue || !utf8.ValidString(b) {
		t.Errorf("body of %d bytes, valid %v", len(b), utf8.ValidString(b))
	}
	if p.Breadcrumbs[1].Data != nil {
		t.Errorf("no data: %v", p.Breadcrumbs[1].Data)
	}
}
