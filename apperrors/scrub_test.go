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
	  "message": "checkout failed",
	  "tags": [["session_id", "S3CR3T-tag-pair"], ["route", "checkout"]],
	  "extra": {"api_key": "S3CR3T-extra", "nested": {"db_password": "S3CR3T-nested"}},
	  "contexts": {"auth": {"access_token": "S3CR3T-context"}},
	  "user": {"id": "42"},
	  "request": {
	    "method": "POST",
	    "url": "https://shop.example/pay?csrftoken=S3CR3T-url&page=2",
	    "query_string": "page=2&apikey=S3CR3T-query&secret%5Fkey=S3CR3T-escaped",
	    "cookies": {"sessionid": "S3CR3T-cookie-obj", "theme": "S3CR3T-cookie-plain"},
	    "headers": {"Cookie": "theme=S3CR3T-cookie-header", "Authorization": "Bearer S3CR3T-auth",
	                "Proxy-Authorization": "Basic S3CR3T-proxy", "X-CSRFToken": "S3CR3T-csrf", "Set-Cookie": "a=S3CR3T-set-cookie"},
	    "data": {"card": "visa", "password": "S3CR3T-data", "items": [{"token": "S3CR3T-list"}]}
	  },
	  "breadcrumbs": {"values": [{"message": "login", "data": {"session": "S3CR3T-crumb"}}]},
	  "exception": {"values": [{"type": "PaymentError", "value": "declined",
	    "stacktrace": {"frames": [{"module": "shop.pay", "function": "charge", "in_app": true,
	      "vars": {"secret": "S3CR3T-var", "self": {"_api_key": "S3CR3T-var-nested"}}}]}}]}
	}`
}

var planted = []string{"S3CR3T-tag-pair", "S3CR3T-extra", "S3CR3T-nested", "S3CR3T-context", "S3CR3T-url",
	"S3CR3T-query", "S3CR3T-escaped", "S3CR3T-cookie-obj", "S3CR3T-cookie-plain", "S3CR3T-cookie-header", "S3CR3T-auth",
	"S3CR3T-proxy", "S3CR3T-csrf", "S3CR3T-set-cookie", "S3CR3T-data", "S3CR3T-list", "S3CR3T-crumb", "S3CR3T-var", "S3CR3T-var-nested"}

// TestScrubGrep ingests an event full of secrets and greps every file
// under the data directory (payloads, decompressed, and the bbolt file)
// for them.
func TestScrubGrep(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "1", t0, plantedEvent(), `{"message":"form","request":{"data":"user=ann&password=S3CR3T-form"}}`,
		`{"message":"raw json","request":{"data":"{\"refresh_token\":\"S3CR3T-raw-json\"}"}}`)
	if err := f.st.Close(); err != nil { // flush everything to the file
		t.Fatal(err)
	}
	found := grepDataDir(t, f.dir, append(planted, "S3CR3T-form", "S3CR3T-raw-json"))
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
	if r.Headers["Authorization"] != Filtered || r.Headers["Cookie"] != Filtered || r.Headers["X-CSRFToken"] != Filtered {
		t.Errorf("headers %v", r.Headers)
	}
	if r.QueryString != "page=2&apikey=[Filtered]&secret%5Fkey=[Filtered]" || r.URL != "https://shop.example/pay?csrftoken=[Filtered]&page=2" {
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
