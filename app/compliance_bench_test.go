package app

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/storage"
)

// BenchmarkComplianceHistory reads the first page of 50 of 30 days of
// evidence checked every 5 minutes (8,640 records, three times what a
// 15-minute control leaves), what /compliance/{control} reads per view.
func BenchmarkComplianceHistory(b *testing.B) {
	r := newComplianceRig(b, "")
	var recs []storage.EvidenceRecord
	for t := r.now.Add(-30 * 24 * time.Hour); t.Before(r.now); t = t.Add(5 * time.Minute) {
		e := compliance.Evidence{Control: "admins-2fa", Status: compliance.Pass, Value: "3 of 3 enrolled", Threshold: "100% of admin users", Checked: t,
			Sources: []compliance.Source{{Kind: "user", Ref: "users", URL: "/admin/users"}}, AuditSeq: 1234, AuditHead: "1234:00"}
		js, err := json.Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, storage.EvidenceRecord{Control: e.Control, At: t, JSON: js})
	}
	if err := r.state.AppendEvidence(recs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		h, total, err := r.svc.HistoryPage("admins-2fa", r.now.Add(-30*24*time.Hour), r.now, 0, 50)
		if err != nil || len(h) != 50 || total != len(recs) {
			b.Fatalf("%d of %d records, %v", len(h), total, err)
		}
	}
}
