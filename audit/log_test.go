package audit_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

func TestLogExportIsAudited(t *testing.T) {
	st, err := storage.OpenState(filepath.Join(t.TempDir(), "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	if _, err := st.SetAuditKey(bytes.Repeat([]byte{7}, 32), now); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"alice", "bob"} {
		if err := st.AppendAudit(audit.Record{Time: now, Actor: who, Action: audit.ActionLogin, Outcome: audit.Success}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := audit.NewLog(st, 29*24*time.Hour, clock, nil); !errors.Is(err, audit.ErrRetention) {
		t.Fatalf("29 days accepted: %v", err)
	}
	l, err := audit.NewLog(st, audit.DefaultRetention, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var buf bytes.Buffer
	if err := l.Export(ctx, "admin", "192.0.2.9", audit.Query{Actor: "alice"}, audit.FormatCSV, &buf); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "\n"); got != 2 || !strings.Contains(buf.String(), "alice") || strings.Contains(buf.String(), "bob") {
		t.Fatalf("export:\n%s", buf.String())
	}
	recs, err := l.Records(ctx, "admin", "192.0.2.9", audit.Query{Action: audit.ActionAuditExport})
	if err != nil || len(recs) != 1 || recs[0].Details["format"] != "csv" || recs[0].Details["actor"] != "alice" || recs[0].Actor != "admin" {
		t.Fatalf("export record: %+v, %v", recs, err)
	}
	if err := l.Export(ctx, "admin", "", audit.Query{}, "xml", &buf); err == nil {
		t.Fatal("xml accepted")
	}
	res, err := l.Verify(ctx)
	if err != nil || !res.Valid || res.Records != 4 { // 2 logins, the export, the view
		t.Fatalf("%+v, %v", res, err)
	}
	// Retention: 400 days later everything but the newest goes, and the
	// chain still verifies.
	now = now.Add(audit.DefaultRetention + time.Hour)
	if n, err := l.Prune(ctx); err != nil || n != 4 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	if res, err := l.Verify(ctx); err != nil || !res.Valid || res.Records != 1 {
		t.Fatalf("after prune: %+v, %v", res, err)
	}
}
