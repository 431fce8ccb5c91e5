package evidencepack

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/storage"
)

// BenchmarkEvidencePack400Days builds the pack of 400 days of hourly
// evidence for 18 controls (172,800 records, the most the store keeps
// for such a checklist). Issue 14 asks for at most 10 s.
func BenchmarkEvidencePack400Days(b *testing.B) {
	st := openState(b)
	const controls, days = 18, 400
	var list []compliance.Control
	for c := range controls {
		id := fmt.Sprintf("control-%02d", c)
		list = append(list, compliance.Control{ID: id, Title: "Control " + id, Interval: time.Hour, Labels: []string{"SOC2 CC6.1", "GDPR 32(1)(b)"}})
		var recs []storage.EvidenceRecord
		for h := range days * 24 {
			at := now.Add(-time.Duration(h)*time.Hour - time.Minute)
			status := compliance.Pass
			if h%97 == 0 {
				status = compliance.Fail
			}
			js, err := json.Marshal(compliance.Evidence{Control: id, Status: status, Value: "3 of 3 admins", Threshold: "100%", Checked: at,
				Sources: []compliance.Source{{Kind: "audit", Ref: fmt.Sprint(1000 + h), URL: "/admin/audit"}}, AuditSeq: uint64(1000 + h),
				AuditHead: fmt.Sprintf("%d:%064x", 1000+h, h)})
			if err != nil {
				b.Fatal(err)
			}
			recs = append(recs, storage.EvidenceRecord{Control: id, At: at, JSON: js})
		}
		if err := st.AppendEvidence(recs); err != nil {
			b.Fatal(err)
		}
	}
	in := testInput(st)
	in.Controls = list
	var cw countingDiscard
	var jsonBytes int64
	b.ResetTimer()
	for b.Loop() {
		cw = 0
		sum, err := Write(&cw, in, testKey)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Evidence != controls*days*24 {
			b.Fatalf("%d evidence records, want %d", sum.Evidence, controls*days*24)
		}
		jsonBytes = sum.Files[0].Bytes
	}
	b.ReportMetric(float64(cw)/1e6, "zipMB")
	b.ReportMetric(float64(jsonBytes)/1e6, "evidenceJSONMB")
}

type countingDiscard int64

func (c *countingDiscard) Write(p []byte) (int, error) {
	*c += countingDiscard(len(p))
	return io.Discard.Write(p)
}
