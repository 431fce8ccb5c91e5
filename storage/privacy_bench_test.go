package storage

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// benchRecords is the size of the trail the export and erasure
// benchmarks run on: 1,000,000 records, about 400 days of a busy ward.
const benchRecords = 1_000_000

// bigTrail writes benchRecords records by 50 users (one in 50 by the
// person exported), in batches of 20,000 per transaction.
func bigTrail(b *testing.B) *State {
	b.Helper()
	st, err := OpenState(filepath.Join(b.TempDir(), "ward.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.SetAuditKey(testAuditKey, t0); err != nil {
		b.Fatal(err)
	}
	addUser(b, st, User{Name: eraseName, Email: eraseEmail, Role: "viewer", Created: t0})
	for done := 0; done < benchRecords; {
		if err := st.db.Update(func(tx *bbolt.Tx) error {
			tx.Bucket(bucketAudit).FillPercent = 1
			for i := 0; i < 20_000 && done < benchRecords; i++ {
				actor := fmt.Sprintf("user%02d", done%50)
				if done%50 == 0 {
					actor = eraseName
				}
				r := audit.Record{Time: t0.Add(time.Duration(done) * time.Second), Actor: actor, ActorIP: "192.0.2.1",
					Action: audit.ActionLogin, Target: actor, Outcome: audit.Success, Details: map[string]string{"user_agent": "Mozilla/5.0"}}
				if err := appendWith(tx, r, testAuditKey); err != nil {
					return err
				}
				done++
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// BenchmarkExportPerson1M: exporting one person's data from a 1M-record
// trail (the bound is 60 s).
func BenchmarkExportPerson1M(b *testing.B) {
	st := bigTrail(b)
	b.ResetTimer()
	for b.Loop() {
		got, err := st.ExportPerson(eraseName, audit.Record{Time: t0, Actor: "alice"}, t0)
		if err != nil || len(got.AuditRecords) < benchRecords/50 {
			b.Fatalf("%d records, %v", len(got.AuditRecords), err)
		}
	}
	b.ReportMetric(float64(benchRecords), "trail_records")
}

// BenchmarkEraseUser1M: erasing the person from a 1M-record trail
// (20,000 records rewritten) and overwriting the freed pages.
func BenchmarkEraseUser1M(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		st := bigTrail(b)
		ledger := NewLedger(filepath.Join(b.TempDir(), "erasures.ledger"))
		b.StartTimer()
		rep, err := st.EraseUser(eraseName, ledger, audit.Record{Time: t0, Actor: "alice"}, t0, nil)
		if err != nil || rep.Records < benchRecords/50 {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(benchRecords), "trail_records")
}
