package apperrors

import (
	"context"
	"testing"
	"time"
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
