package apperrors

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plantedEvent carries a secret in every place scrubbing must reach;
// each secret is distinct so a failure names the place.
func plantedEvent() string {
	return `{
	  "event_id": "0123456789abcdef0123456789abcdef",
	  "message": "checkout failed for password=S3CR3T-msg-pass token: S3CR3T-msg-token",
	  "tags": [["session_id", "S3CR3T-tag-pair"], ["route", "checkout"], ["link", "https://shop.example/?session_key=S3CR3T-tag-url&x=1"]],
	  "extra": {"api_key": "S3CR3T-extra", "nested": {"db_password": "S3CR3T-nested"},
	            "private_key": "S3CR3T-private", "auth": "S3CR3T-authkey", "credentials": {"user": "S3CR3T-creds"}, "jwt": "S3CR3T-jwt"},
	  "contexts": {"auth": {"access_token": "S3CR3T-context"}},
	  "user": {"id": "42"},
	  "request": {
	    "method": "POST",
	    "url": "https://ann:S3CR3T-userinfo@shop.example/pay?csrftoken=S3CR3T-url&page=2#access_token=S3CR3T-fragment",
	    "query_string": "page=2&apikey=S3CR3T-query&secret%5Fkey=S3CR3T-escaped",
	    "cookies": {"sessionid": "S3CR3T-cookie-obj", "theme": "S3CR3T-cookie-plain"},
	    "headers": {"Cookie": "theme=S3CR3T-cookie-header", "Authorization": "Bearer S3CR3T-auth",
	                "Proxy-Authorization": "Basic S3CR3T-proxy", "X-CSRFToken": "S3CR3T-csrf", "Set-Cookie": "a=S3CR3T-set-cookie; Path=/; HttpOnly",
	                "HTTP_AUTHORIZATION": "S3CR3T-http-auth", "X-Auth": "S3CR3T-x-auth", "X-Amz-Credential": "S3CR3T-amz",
	                "Referer": "https://shop.example/cart?api_key=S3CR3T-referer"},
	    "data": {"card": "visa", "password": "S3CR3T-data", "items": [{"token": "S3CR3T-list"}]}
	  },
	  "breadcrumbs": {"values": [{"message": "login", "data": {"session": "S3CR3T-crumb"}},
	    {"category": "httplib", "message": "GET https://api.example/v1?session_key=S3CR3T-crumb-msg",
	     "data": {"url": "https://api.example/v1?api_key=S3CR3T-crumb-url", "method": "GET"}}]},
	  "exception": {"values": [{"type": "PaymentError", "value": "declined; Authorization: Bearer S3CR3T-exc-bearer api_key='S3CR3T-exc-key'",
	    "stacktrace": {"frames": [{"module": "shop.pay", "function": "charge", "in_app": true,
	      "vars": {"secret": "S3CR3T-var", "self": {"_api_key": "S3CR3T-var-nested"}}}]}}]}
	}`
}

var planted = []string{"S3CR3T-tag-pair", "S3CR3T-extra", "S3CR3T-nested", "S3CR3T-context", "S3CR3T-url",
	"S3CR3T-query", "S3CR3T-escaped", "S3CR3T-cookie-obj", "S3CR3T-cookie-plain", "S3CR3T-cookie-header", "S3CR3T-auth",
	"S3CR3T-proxy", "S3CR3T-csrf", "S3CR3T-set-cookie", "S3CR3T-data", "S3CR3T-list", "S3CR3T-crumb", "S3CR3T-var", "S3CR3T-var-nested",
	"S3CR3T-msg-pass", "S3CR3T-msg-token", "S3CR3T-tag-url", "S3CR3T-private", "S3CR3T-authkey", "S3CR3T-creds", "S3CR3T-jwt",
	"S3CR3T-userinfo", "S3CR3T-fragment", "S3CR3T-http-auth", "S3CR3T-x-auth", "S3CR3T-amz", "S3CR3T-referer",
	"S3CR3T-crumb-msg", "S3CR3T-crumb-url", "S3CR3T-exc-bearer", "S3CR3T-exc-key"}

// TestScrubGrep ingests an event full of secrets and greps every file
// under the data directory (payloads, decompressed, and the bbolt file)
// for them.
func TestScrubGrep(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "1", t0, plantedEvent(), `{"message":"form","request":{"data":"user=ann&password=S3CR3T-form"}}`,
		`{"message":"raw json","request":{"data":"{\"refresh_token\":\"S3CR3T-raw-json\"}"}}`,
		`{"logentry":{"message":"login %s with password=%s","params":["ann","S3CR3T-param"]}}`)
	if err := f.st.Close(); err != nil { // flush everything to the file
		t.Fatal(err)
	}
	found := grepDataDir(t, f.dir, append(planted, "S3CR3T-form", "S3CR3T-raw-json", "S3CR3T-param"))
	for _, s := range found {
		t.Errorf("planted secret %s found under the data directory", s)
	}
	// And the test can fail: a project with scrub: false keeps them.
	g := newFixture(t)
	g.ingest(t, "2", t0, plantedEvent())
	g.st.Close()
	if found := grepDataDir(t, g.dir, planted); len(found) == 0 {
		t.Error("with scrub: false no secret was stored: the grep proves nothing")
	}
}

func TestScrubKeepsTheRest(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "1", t0, plantedEvent())
	ev, err := f.svc.Event(context.Background(), "0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	r := ev.Request
	if r.Headers["Authorization"] != Filtered || r.Headers["X-CSRFToken"] != Filtered || r.Headers["X-Amz-Credential"] != Filtered ||
		r.Headers["Referer"] != "https://shop.example/cart?api_key=[Filtered]" {
		t.Errorf("headers %v", r.Headers)
	}
	// Cookies keep their names.
	if r.Headers["Cookie"] != "theme=[Filtered]" || r.Headers["Set-Cookie"] != "a=[Filtered]; Path=[Filtered]; HttpOnly" ||
		len(r.Cookies) != 2 || r.Cookies["sessionid"] != Filtered || r.Cookies["theme"] != Filtered {
		t.Errorf("cookie headers %q %q, cookies %v", r.Headers["Cookie"], r.Headers["Set-Cookie"], r.Cookies)
	}
	if ev.Message != "checkout failed for password=[Filtered] token: [Filtered]" ||
		ev.Exceptions[0].Value != "declined; Authorization: Bearer [Filtered] api_key=[Filtered]" ||
		ev.Breadcrumbs[1].Message != "GET https://api.example/v1?session_key=[Filtered]" ||
		ev.Tags["link"] != "https://shop.example/?session_key=[Filtered]&x=1" {
		t.Errorf("message %q, exception %q, breadcrumb %q, tag %q", ev.Message, ev.Exceptions[0].Value, ev.Breadcrumbs[1].Message, ev.Tags["link"])
	}
	if c := ev.Breadcrumbs; c[0].Data["session"] != Filtered || c[1].Data["url"] != "https://api.example/v1?api_key=[Filtered]" || c[1].Data["method"] != "GET" {
		t.Errorf("breadcrumb data %v %v", c[0].Data, c[1].Data)
	}
	if r.QueryString != "page=2&apikey=[Filtered]&secret%5Fkey=[Filtered]" ||
		r.URL != "https://[Filtered]@shop.example/pay?csrftoken=[Filtered]&page=2#access_token=[Filtered]" {
		t.Errorf("query %q url %q", r.QueryString, r.URL)
	}
	if !strings.Contains(string(r.Data), `"card":"visa"`) || ev.Tags["route"] != "checkout" || ev.Tags["session_id"] != Filtered {
		t.Errorf("data %s tags %v", r.Data, ev.Tags)
	}
}

func grepDataDir(tb testing.TB, dir string, secrets []string) []string {
	tb.Helper()
	var blob bytes.Buffer
	files := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		blob.Write(b)
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return err
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				return err
			}
			blob.Write(plain)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if files < 2 {
		tb.Fatalf("only %d files under %s: nothing was stored", files, dir)
	}
	var found []string
	for _, s := range secrets {
		if bytes.Contains(blob.Bytes(), []byte(s)) {
			found = append(found, s)
		}
	}
	return found
}

// TestScrubTree checks the whole tree, including what the stored event
// leaves out (extra, contexts, frame variables, breadcrumb data).
func TestScrubTree(t *testing.T) {
	tree, err := decodeEvent([]byte(plantedEvent()))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(tree)
	scrub(tree)
	after, _ := json.Marshal(tree)
	for _, s := range planted {
		if !bytes.Contains(before, []byte(s)) {
			t.Errorf("%s is not in the planted event", s)
		}
		if bytes.Contains(after, []byte(s)) {
			t.Errorf("%s survived scrubbing", s)
		}
	}
	if !bytes.Contains(after, []byte(`"route"`)) || !bytes.Contains(after, []byte("declined")) {
		t.Errorf("scrubbing took too much: %s", after)
	}
}

func TestScrubText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"tests passed: 3 of 4", "tests passed: 3 of 4"},
		{"no secrets here", "no secrets here"},
		{"password=hunter2 next", "password=[Filtered] next"},
		{`{"db_password": "a b c", "x": 1}`, `{"db_password": [Filtered], "x": 1}`},
		{"Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [Filtered]"},
		{"JWT=eyJhbGci.x.y; other=1", "JWT=[Filtered]; other=1"},
		{"see postgres://app:pw@db:5432/shop", "see postgres://[Filtered]@db:5432/shop"},
		{"https://shop.example/#access_token=abc&state=1", "https://shop.example/#access_token=[Filtered]&state=1"},
		{"mail ann@example.com", "mail ann@example.com"},
	} {
		if got := scrubText(tc.in); got != tc.want {
			t.Errorf("scrubText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
