package apperrors

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/ward-monitoring/ward/storage"
)

func TestExportErasePerson(t *testing.T) {
	f := newFixture(t)
	e := exc("ValueError", "x", "shop.views:checkout")
	f.ingest(t, "1", t0,
		with(e, "user", map[string]any{"id": "42", "email": "Ann@Example.com"}),
		with(e, "user", map[string]any{"ip_address": "192.0.2.7"}),
		with(e, "user", map[string]any{"id": "43"}),
		e)
	f.ingest(t, "1", t0.Add(time.Minute), with(msg("hello"), "user", map[string]any{"email": "ann@example.com"}))
	ctx := context.Background()
	got, err := f.svc.ExportPerson(ctx, []string{"ann@example.com", "192.0.2.7"})
	if err != nil || len(got) != 3 {
		t.Fatalf("export: %d events, %v; want 3", len(got), err)
	}
	if got[2].Message != "hello" {
		t.Errorf("export not oldest first: %+v", got[2])
	}
	n, err := f.svc.ErasePerson(ctx, []string{"ANN@example.com", "192.0.2.7"})
	if err != nil || n != 3 {
		t.Fatalf("erase: %d, %v; want 3", n, err)
	}
	if got, _ := f.svc.ExportPerson(ctx, []string{"ann@example.com", "42", "192.0.2.7"}); len(got) != 0 {
		t.Errorf("after erasure the export still finds %d events", len(got))
	}
	if got, _ := f.svc.ExportPerson(ctx, []string{"43"}); len(got) != 1 {
		t.Errorf("someone else's event went too")
	}
	if len(payloadFiles(t, f.svc.opts.Dir)) != 2 {
		t.Errorf("payload files left: %d, want 2", len(payloadFiles(t, f.svc.opts.Dir)))
	}
	for _, is := range f.issues(t, "") {
		if is.Title == "ValueError: x" && (is.Count != 4 || is.Samples != 2) {
			t.Errorf("issue after erasure: count %d samples %d, want 4 and 2", is.Count, is.Samples)
		}
	}
}

// A person's export keeps the newest events within its bounds, says it
// cut, and skips (counting) an event whose payload is unreadable.
func TestExportPersonBounded(t *testing.T) {
	f := newFixture(t)
	for i := range 8 {
		e := with(exc("ValueError", "x", "shop.views:checkout"), "user", map[string]any{"email": "ann@example.com"},
			"fingerprint", []any{fmt.Sprint("f", i)}, "message", fmt.Sprintf("n%d <tag> %s", i, strings.Repeat("a<", 2000)))
		f.ingest(t, "1", t0.Add(time.Duration(i)*time.Minute), e)
	}
	ctx := context.Background()
	f.svc.exportEvents = 5
	x, err := f.svc.ExportPersonBounded(ctx, []string{"ann@example.com"})
	if err != nil || len(x.Events) != 5 || !x.Truncated || x.Matched != 8 || x.MaxEvents != 5 {
		t.Fatalf("export by count: %d events of %d, truncated %v, %v; want the newest 5 of 8, truncated", len(x.Events), x.Matched, x.Truncated, err)
	}
	if !strings.HasPrefix(x.Events[0].Message, "n3 ") || !strings.HasPrefix(x.Events[4].Message, "n7 ") {
		t.Errorf("export kept %q..%q, want n3..n7 oldest first", x.Events[0].Message[:3], x.Events[4].Message[:3])
	}
	// Each event's JSON is over 4,000 bytes: 10,000 hold two.
	f.svc.exportEvents, f.svc.exportBytes = MaxExportEvents, 10000
	x, err = f.svc.ExportPersonBounded(ctx, []string{"ann@example.com"})
	if err != nil || len(x.Events) != 2 || !x.Truncated {
		t.Fatalf("export by bytes: %d events, truncated %v, %v; want 2, truncated", len(x.Events), x.Truncated, err)
	}
	f.svc.exportBytes = MaxExportBytes
	files := payloadFiles(t, f.svc.opts.Dir)
	if err := os.WriteFile(files[0], []byte("not gzip"), 0o600); err != nil {
		t.Fatal(err)
	}
	x, err = f.svc.ExportPersonBounded(ctx, []string{"ann@example.com"})
	if err != nil || len(x.Events) != 7 || x.Unreadable != 1 || x.Truncated {
		t.Fatalf("export with a bad payload: %d events, %d unreadable, truncated %v, %v; want 7, 1, false", len(x.Events), x.Unreadable, x.Truncated, err)
	}
	// Stored without HTML escaping: < takes one byte, not six.
	raw := gunzip(t, files[1])
	if strings.Contains(raw, `\u003c`) || !strings.Contains(raw, "a<a<") {
		t.Errorf("payload escapes <: %.80s", raw)
	}
}

func gunzip(tb testing.TB, path string) string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// Titles show no address; erasure takes identifiers out of titles and
// the recent-issue series; pseudonyms depend on the install's salt.
func TestErasureTitlesAndSalt(t *testing.T) {
	f := newFixture(t)
	f.ingest(t, "1", t0, with(exc("LookupError", "no account for ann@example.com", "shop.views:login"), "user", map[string]any{"email": "ann@example.com"}),
		with(exc("PermissionError", "blocked 203.0.113.77", "shop.views:gate"), "user", map[string]any{"ip_address": "203.0.113.77"}))
	titles := map[string]bool{}
	for _, is := range f.issues(t, "") {
		titles[is.Title] = true
	}
	if !titles["LookupError: no account for [email]"] {
		t.Fatalf("titles %v: want the address as [email]", titles)
	}
	if _, err := f.svc.ErasePerson(context.Background(), []string{"203.0.113.77"}); err != nil {
		t.Fatal(err)
	}
	for _, is := range f.issues(t, "") {
		if strings.Contains(is.Title, "203.0.113.77") {
			t.Errorf("title after erasure: %q", is.Title)
		}
	}
	out, err := testutil.CollectAndFormat(f.svc.metrics.recent, expfmt.TypeTextPlain, "ward_app_issue_recent")
	if err != nil || strings.Contains(string(out), "203.0.113.77") || !strings.Contains(string(out), "[erased]") {
		t.Errorf("recent series after erasure: %s %v", out, err)
	}
	g := newFixture(t)
	if f.svc.userHash("203.0.113.77") == g.svc.userHash("203.0.113.77") || len(f.svc.salt) != storage.AppUserSaltBytes {
		t.Errorf("two installs share a pseudonym: the salt is not per install")
	}
	h, err := New(Options{State: f.st, Dir: f.svc.opts.Dir})
	if err != nil || h.userHash("x@example.com") != f.svc.userHash("x@example.com") {
		t.Errorf("the salt does not persist in the state database: %v", err)
	}
}
