package storage

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// testAuditKey stands in for the key derived from ward's secret key.
var testAuditKey = bytes.Repeat([]byte{0xa5}, 32)

// openTestState opens a fresh state database with the audit key set.
func openTestState(tb testing.TB) *State {
	tb.Helper()
	return openKeyed(tb, filepath.Join(tb.TempDir(), "ward.db"))
}

// openKeyed opens the state database at path and sets the audit key, as
// ward does at every start.
func openKeyed(tb testing.TB, path string) *State {
	tb.Helper()
	st, err := OpenState(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.SetAuditKey(testAuditKey, t0); err != nil {
		tb.Fatal(err)
	}
	return st
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// appendN appends n records, one a minute from t0.
func appendN(tb testing.TB, st *State, n int) {
	tb.Helper()
	for i := range n {
		r := audit.Record{
			Time: t0.Add(time.Duration(i) * time.Minute), Actor: "alice", ActorIP: "192.0.2.1",
			Action: audit.ActionLogin, Target: "alice", Outcome: audit.Success,
			Details: map[string]string{"n": fmt.Sprint(i + 1)},
		}
		if err := st.AppendAudit(r); err != nil {
			tb.Fatal(err)
		}
	}
}

// raw edits the audit bucket directly, as someone with the file would.
func raw(tb testing.TB, st *State, fn func(b *bbolt.Bucket) error) {
	tb.Helper()
	if err := st.db.Update(func(tx *bbolt.Tx) error { return fn(tx.Bucket(bucketAudit)) }); err != nil {
		tb.Fatal(err)
	}
}

func decodeAt(tb testing.TB, b *bbolt.Bucket, seq uint64) audit.Record {
	tb.Helper()
	r, err := audit.Decode(b.Get(seqKey(seq)))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func put(tb testing.TB, b *bbolt.Bucket, seq uint64, r audit.Record) {
	tb.Helper()
	v, err := json.Marshal(r)
	if err != nil {
		tb.Fatal(err)
	}
	if err := b.Put(seqKey(seq), v); err != nil {
		tb.Fatal(err)
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name     string
		tamper   func(t *testing.T, b *bbolt.Bucket)
		firstBad uint64
		problem  string
	}{
		{name: "intact", tamper: func(*testing.T, *bbolt.Bucket) {}},
		{name: "edit", firstBad: 3, problem: "modified", tamper: func(t *testing.T, b *bbolt.Bucket) {
			r := decodeAt(t, b, 3)
			r.Outcome = audit.Failure
			put(t, b, 3, r)
		}},
		{name: "edit raw bytes", firstBad: 4, problem: "modified", tamper: func(t *testing.T, b *bbolt.Bucket) {
			v := strings.Replace(string(b.Get(seqKey(4))), `"alice"`, `"mallory"`, 1)
			if err := b.Put(seqKey(4), []byte(v)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "edit with recomputed hash", firstBad: 3, problem: "modified", tamper: func(t *testing.T, b *bbolt.Bucket) {
			// Without the key the best an attacker can do is the plain
			// SHA-256 the chain used to have.
			r := decodeAt(t, b, 3)
			r.Actor = "mallory"
			r.Hash = r.LegacyHash(r.Prev)
			put(t, b, 3, r)
		}},
		{name: "delete", firstBad: 4, problem: "#3 to #3 are missing", tamper: func(t *testing.T, b *bbolt.Bucket) {
			if err := b.Delete(seqKey(3)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "delete newest", firstBad: 6, problem: "missing from the end", tamper: func(t *testing.T, b *bbolt.Bucket) {
			if err := b.Delete(seqKey(6)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "insert", firstBad: 4, problem: "numbered #3", tamper: func(t *testing.T, b *bbolt.Bucket) {
			// Shift #3..#6 up by one and forge a well-formed #3 that
			// links to #2.
			for seq := uint64(6); seq >= 3; seq-- {
				if err := b.Put(seqKey(seq+1), append([]byte(nil), b.Get(seqKey(seq))...)); err != nil {
					t.Fatal(err)
				}
			}
			prev := decodeAt(t, b, 2)
			// Sealed with the key: the numbering catches it all the same.
			forged := audit.Record{Time: t0.Add(90 * time.Second), Actor: "mallory", Action: audit.ActionUserCreate, Target: "mallory", Outcome: audit.Success}
			put(t, b, 3, audit.Seal(forged, 3, prev.Hash, testAuditKey))
		}},
		{name: "append forged", firstBad: 7, problem: "added outside ward", tamper: func(t *testing.T, b *bbolt.Bucket) {
			last := decodeAt(t, b, 6)
			forged := audit.Record{Time: t0.Add(time.Hour), Actor: "mallory", Action: audit.ActionUserCreate, Outcome: audit.Success}
			put(t, b, 7, audit.Seal(forged, 7, last.Hash, testAuditKey))
		}},
		{name: "reorder", firstBad: 3, problem: "numbered #4", tamper: func(t *testing.T, b *bbolt.Bucket) {
			three, four := append([]byte(nil), b.Get(seqKey(3))...), append([]byte(nil), b.Get(seqKey(4))...)
			if err := b.Put(seqKey(3), four); err != nil {
				t.Fatal(err)
			}
			if err := b.Put(seqKey(4), three); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "reorder with renumbering", firstBad: 3, problem: "does not link", tamper: func(t *testing.T, b *bbolt.Bucket) {
			three, four := decodeAt(t, b, 3), decodeAt(t, b, 4)
			three.Seq, four.Seq = 4, 3
			put(t, b, 3, four)
			put(t, b, 4, three)
		}},
		{name: "garbage", firstBad: 2, problem: "malformed", tamper: func(t *testing.T, b *bbolt.Bucket) {
			if err := b.Put(seqKey(2), []byte("{not json")); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openTestState(t)
			appendN(t, st, 6)
			raw(t, st, func(b *bbolt.Bucket) error { tt.tamper(t, b); return nil })
			res, err := st.VerifyAudit(t0)
			if err != nil {
				t.Fatal(err)
			}
			if tt.firstBad == 0 {
				if !res.Valid || res.Records != 6 || res.Gauge() != 1 {
					t.Fatalf("intact chain: %+v", res)
				}
				return
			}
			if res.Valid || res.Gauge() != 0 {
				t.Fatalf("tampering not detected: %+v", res)
			}
			if res.FirstBad != tt.firstBad || !strings.Contains(res.Problem, tt.problem) {
				t.Errorf("first bad #%d (%s), want #%d (%s)", res.FirstBad, res.Problem, tt.firstBad, tt.problem)
			}
			if !strings.Contains(res.String(), fmt.Sprintf("BROKEN at record #%d", tt.firstBad)) {
				t.Errorf("String() = %q", res.String())
			}
		})
	}
}

func TestAuditPruneKeepsChainVerifiable(t *testing.T) {
	st := openTestState(t)
	appendN(t, st, 10) // t0 .. t0+9m
	prune := audit.Record{Time: t0.Add(time.Hour), Actor: "ward", Action: audit.ActionAuditPrune, Outcome: audit.Success}
	n, err := st.PruneAudit(t0.Add(4*time.Minute), prune)
	if err != nil || n != 4 {
		t.Fatalf("pruned %d, %v; want 4", n, err)
	}
	res, err := st.VerifyAudit(t0)
	if err != nil || !res.Valid || res.First != 5 || res.Last != 11 {
		t.Fatalf("after pruning: %+v, %v", res, err)
	}
	recs, err := st.AuditQuery(audit.Query{Action: audit.ActionAuditPrune}, nil)
	if err != nil || len(recs) != 1 || recs[0].Details["count"] != "4" {
		t.Fatalf("prune record: %+v, %v", recs, err)
	}
	var four audit.Record
	if err := st.db.View(func(tx *bbolt.Tx) error {
		a, err := chainPoint(tx.Bucket(bucketAuditChain), keyAuditAnchor)
		four = audit.Record{Seq: a.Seq, Hash: a.Hash}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if d := recs[0].Details; four.Seq != 4 || d["anchor"] != "4" || d["anchor_hash"] != hex.EncodeToString(four.Hash) {
		t.Fatalf("prune record %v does not name the new anchor #%d %x", d, four.Seq, four.Hash)
	}
	// Nothing older: no record.
	if n, err := st.PruneAudit(t0.Add(4*time.Minute), prune); err != nil || n != 0 {
		t.Fatalf("second prune %d, %v", n, err)
	}
	// Deleting the oldest surviving record is still caught.
	raw(t, st, func(b *bbolt.Bucket) error { return b.Delete(seqKey(5)) })
	if res, _ := st.VerifyAudit(t0); res.Valid || res.FirstBad != 6 {
		t.Fatalf("deletion after the anchor not detected: %+v", res)
	}
}

func TestAuditQuery(t *testing.T) {
	st := openTestState(t)
	appendN(t, st, 5)
	view := audit.Record{Time: t0.Add(time.Hour), Actor: "admin", Action: audit.ActionAuditView, Outcome: audit.Success}
	recs, err := st.AuditQuery(audit.Query{Since: t0.Add(time.Minute), Until: t0.Add(3 * time.Minute)}, &view)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Seq != 3 || recs[1].Seq != 2 {
		t.Fatalf("got %+v, want #3 and #2 newest first", recs)
	}
	viewed, err := st.AuditQuery(audit.Query{Actor: "admin", Limit: 1}, nil)
	if err != nil || len(viewed) != 1 || viewed[0].Action != audit.ActionAuditView {
		t.Fatalf("the view was not audited: %+v, %v", viewed, err)
	}
	if res, _ := st.VerifyAudit(t0); !res.Valid || res.Records != 6 {
		t.Fatalf("%+v", res)
	}
}
