package storage

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// offline edits the database file at path with bbolt directly, as someone
// holding a copy of ward.db (and no running ward) would.
func offline(tb testing.TB, path string, fn func(tx *bbolt.Tx) error) {
	tb.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		tb.Fatal(err)
	}
}

// keyedChain writes n records into a fresh ward.db under the test key
// and closes it, returning its path.
func keyedChain(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "ward.db")
	st, err := OpenState(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := st.SetAuditKey(testAuditKey, t0); err != nil {
		tb.Fatal(err)
	}
	appendN(tb, st, n)
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// copyDB copies ward.db, so that an attack works on a copy as in the
// finding.
func copyDB(tb testing.TB, path string) string {
	tb.Helper()
	in, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	dst := filepath.Join(tb.TempDir(), "ward.db")
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// hashFunc is how an attacker seals a record they rewrote.
type hashFunc func(r audit.Record, prev []byte) []byte

// plainSHA256 is the hash the chain used before keyed sealing: what the
// attack in the finding recomputed.
func plainSHA256(r audit.Record, prev []byte) []byte { return r.LegacyHash(prev) }

// sha256OverV2 is an attacker guessing that only the version changed.
func sha256OverV2(r audit.Record, prev []byte) []byte {
	h := sha256.Sum256(append(append([]byte(nil), prev...), r.Canonical(testAuditKey)...))
	return h[:]
}

// withKey is an attacker who holds the secret key.
func withKey(r audit.Record, prev []byte) []byte { return r.ComputeMAC(testAuditKey, prev) }

// reseal rewrites every record from seq from on with hash, links each to
// the one before, and writes the new head: what a re-sealing attacker
// does after editing or deleting records.
func resealFrom(tb testing.TB, tx *bbolt.Tx, from uint64, hash hashFunc) {
	tb.Helper()
	b := tx.Bucket(bucketAudit)
	var prev []byte
	if r, err := audit.Decode(b.Get(seqKey(from - 1))); err == nil {
		prev = r.Hash
	} else {
		a, err := chainPoint(tx.Bucket(bucketAuditChain), keyAuditAnchor)
		if err != nil {
			tb.Fatal(err)
		}
		prev = a.Hash
	}
	var head audit.Anchor
	c := b.Cursor()
	for k, v := c.Seek(seqKey(from)); k != nil; k, v = c.Seek(seqKey(seqOf(k) + 1)) {
		r, err := audit.Decode(v)
		if err != nil {
			tb.Fatal(err)
		}
		r.Seq, r.Prev = seqOf(k), prev
		r.Hash = hash(r, prev)
		put(tb, b, r.Seq, r)
		prev, head = r.Hash, audit.Anchor{Seq: r.Seq, Hash: r.Hash}
	}
	if err := putChainPoint(tx.Bucket(bucketAuditChain), keyAuditHead, head); err != nil {
		tb.Fatal(err)
	}
}

func verify(tb testing.TB, st *State, external ...audit.External) audit.Result {
	tb.Helper()
	res, err := st.VerifyAudit(t0, external...)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func wantBroken(tb testing.TB, res audit.Result, firstBad uint64, problem string) {
	tb.Helper()
	if res.Valid || res.Gauge() != 0 {
		tb.Fatalf("tampering not detected: %s", res)
	}
	if res.FirstBad != firstBad || !strings.Contains(res.Problem, problem) {
		tb.Fatalf("got %s; want first bad #%d with %q", res, firstBad, problem)
	}
}

// TestAuditResealWithoutKeyIsCaught is the finding: edit or delete
// records in a copy of ward.db, recompute the hashes and the head. With
// plain SHA-256 that verified; under a keyed MAC it cannot.
func TestAuditResealWithoutKeyIsCaught(t *testing.T) {
	edit := func(t *testing.T, tx *bbolt.Tx) {
		b := tx.Bucket(bucketAudit)
		r := decodeAt(t, b, 3)
		r.Actor, r.Outcome = "mallory", audit.Failure
		put(t, b, 3, r)
	}
	deleteAndRenumber := func(t *testing.T, tx *bbolt.Tx) {
		b := tx.Bucket(bucketAudit)
		for seq := uint64(3); seq < 6; seq++ {
			r := decodeAt(t, b, seq+1)
			r.Seq = seq
			put(t, b, seq, r)
		}
		if err := b.Delete(seqKey(6)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		tamper   func(*testing.T, *bbolt.Tx)
		from     uint64
		hash     hashFunc
		firstBad uint64
		problem  string
	}{
		{"edit, re-sealed with plain SHA-256", edit, 3, plainSHA256, 3, "modified"},
		{"edit, re-sealed with SHA-256 over the v2 form", edit, 3, sha256OverV2, 3, "modified"},
		{"delete, renumber, re-seal", deleteAndRenumber, 3, plainSHA256, 3, "modified"},
		{"whole chain rewritten in the v1 format", edit, 1, plainSHA256, 1, "unkeyed v1 format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := copyDB(t, keyedChain(t, 6))
			offline(t, path, func(tx *bbolt.Tx) error {
				tt.tamper(t, tx)
				resealFrom(t, tx, tt.from, tt.hash)
				return nil
			})
			st := openKeyed(t, path)
			res := verify(t, st)
			wantBroken(t, res, tt.firstBad, tt.problem)
			if !strings.Contains(res.String(), "BROKEN") {
				t.Errorf("String() = %q", res)
			}
		})
	}
}

// TestAuditStartMoveNeedsPruneRecord: records deleted from the start with
// the anchor moved after them fail, unless a verified audit.prune record
// names the new start.
func TestAuditStartMoveNeedsPruneRecord(t *testing.T) {
	moveStart := func(t *testing.T, tx *bbolt.Tx, to uint64) {
		b := tx.Bucket(bucketAudit)
		last := decodeAt(t, b, to)
		for seq := uint64(1); seq <= to; seq++ {
			if err := b.Delete(seqKey(seq)); err != nil {
				t.Fatal(err)
			}
		}
		if err := putChainPoint(tx.Bucket(bucketAuditChain), keyAuditAnchor, audit.Anchor{Seq: last.Seq, Hash: last.Hash}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("never pruned", func(t *testing.T) {
		path := keyedChain(t, 6)
		offline(t, path, func(tx *bbolt.Tx) error { moveStart(t, tx, 3); return nil })
		wantBroken(t, verify(t, openKeyed(t, path)), 4, "no audit.prune record names that point")
	})
	t.Run("moved past the last prune", func(t *testing.T) {
		st := openTestState(t)
		appendN(t, st, 10)
		prune := audit.Record{Time: t0.Add(time.Hour), Actor: "ward", Action: audit.ActionAuditPrune, Outcome: audit.Success}
		if n, err := st.PruneAudit(t0.Add(4*time.Minute), prune); err != nil || n != 4 {
			t.Fatalf("pruned %d, %v", n, err)
		}
		if res := verify(t, st); !res.Valid {
			t.Fatalf("after a real prune: %s", res)
		}
		if err := st.db.Update(func(tx *bbolt.Tx) error { moveStart(t, tx, 7); return nil }); err != nil {
			t.Fatal(err)
		}
		wantBroken(t, verify(t, st), 8, "names #4")
	})
	t.Run("start hash rewritten", func(t *testing.T) {
		st := openTestState(t)
		appendN(t, st, 6)
		prune := audit.Record{Time: t0.Add(time.Hour), Actor: "ward", Action: audit.ActionAuditPrune, Outcome: audit.Success}
		if _, err := st.PruneAudit(t0.Add(2*time.Minute), prune); err != nil {
			t.Fatal(err)
		}
		if err := st.db.Update(func(tx *bbolt.Tx) error {
			return putChainPoint(tx.Bucket(bucketAuditChain), keyAuditAnchor, audit.Anchor{Seq: 2, Hash: bytes.Repeat([]byte{1}, 32)})
		}); err != nil {
			t.Fatal(err)
		}
		res := verify(t, st)
		if res.Valid {
			t.Fatalf("rewritten start accepted: %s", res)
		}
	})
}

// TestAuditExternalAnchor: whoever holds the key can re-seal the chain so
// that it verifies on its own; a head kept outside ward catches it, and
// catches a truncated tail. Legitimate growth and pruning pass.
func TestAuditExternalAnchor(t *testing.T) {
	anchorOf := func(t *testing.T, st *State) audit.External {
		t.Helper()
		res := verify(t, st)
		if !res.Valid || res.Head.Seq == 0 {
			t.Fatalf("%s", res)
		}
		return audit.External{Anchor: res.Head}
	}
	t.Run("re-sealed with the key", func(t *testing.T) {
		path := keyedChain(t, 6)
		st := openKeyed(t, path)
		anchor := anchorOf(t, st)
		st.Close()
		offline(t, path, func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucketAudit)
			r := decodeAt(t, b, 3)
			r.Target = "someone else"
			put(t, b, 3, r)
			resealFrom(t, tx, 3, withKey)
			return nil
		})
		st = openKeyed(t, path)
		if res := verify(t, st); !res.Valid {
			t.Fatalf("a re-seal with the key should pass on its own (that is what the anchor is for): %s", res)
		}
		wantBroken(t, verify(t, st, anchor), 6, "does not match anchor "+anchor.String())
	})
	t.Run("truncated with the key", func(t *testing.T) {
		path := keyedChain(t, 6)
		st := openKeyed(t, path)
		anchor := anchorOf(t, st)
		st.Close()
		offline(t, path, func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucketAudit)
			for _, seq := range []uint64{5, 6} {
				if err := b.Delete(seqKey(seq)); err != nil {
					t.Fatal(err)
				}
			}
			r := decodeAt(t, b, 4)
			return putChainPoint(tx.Bucket(bucketAuditChain), keyAuditHead, audit.Anchor{Seq: 4, Hash: r.Hash})
		})
		st = openKeyed(t, path)
		if res := verify(t, st); !res.Valid {
			t.Fatalf("a consistent truncation passes on its own: %s", res)
		}
		wantBroken(t, verify(t, st, anchor), 6, "truncated")
	})
	t.Run("key id deleted and chain rewritten as v1", func(t *testing.T) {
		// Making the file look like it predates keyed sealing gets the
		// forged chain re-sealed at the next start; the anchor still
		// catches it.
		path := keyedChain(t, 6)
		st := openKeyed(t, path)
		anchor := anchorOf(t, st)
		st.Close()
		offline(t, path, func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucketAudit)
			r := decodeAt(t, b, 2)
			r.Actor = "mallory"
			put(t, b, 2, r)
			resealFrom(t, tx, 1, plainSHA256)
			return tx.Bucket(bucketAuditChain).Delete(keyAuditKeyID)
		})
		st = openKeyed(t, path)
		if res := verify(t, st); !res.Valid {
			t.Fatalf("%s", res)
		}
		wantBroken(t, verify(t, st, anchor), 6, "does not match anchor")
	})
	t.Run("growth and pruning pass", func(t *testing.T) {
		st := openTestState(t)
		appendN(t, st, 3) // #1-#3 at t0, t0+1m, t0+2m
		old := anchorOf(t, st)
		appendN(t, st, 3) // #4-#6 at the same minutes
		if res := verify(t, st, old); !res.Valid || len(res.Anchors) != 1 || !res.Anchors[0].OK || !strings.Contains(res.Anchors[0].How, "matches record #3") {
			t.Fatalf("anchor before growth: %+v", res)
		}
		prune := audit.Record{Time: t0.Add(time.Hour), Actor: "ward", Action: audit.ActionAuditPrune, Outcome: audit.Success}
		if n, err := st.PruneAudit(t0.Add(3*time.Minute), prune); err != nil || n != 6 {
			t.Fatalf("pruned %d, %v", n, err)
		}
		start := anchorOf(t, st) // only the prune record #7 is left
		var sixth audit.Anchor
		if err := st.db.View(func(tx *bbolt.Tx) (err error) {
			sixth, err = chainPoint(tx.Bucket(bucketAuditChain), keyAuditAnchor)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		res := verify(t, st, old, audit.External{Anchor: sixth}, start)
		if !res.Valid {
			t.Fatalf("%s", res)
		}
		for i, want := range []string{"was pruned", "is the start of the chain, named by the audit.prune record #7", "matches record #7"} {
			if !res.Anchors[i].OK || !strings.Contains(res.Anchors[i].How, want) {
				t.Errorf("anchor %s: %q, want %q", res.Anchors[i].Anchor, res.Anchors[i].How, want)
			}
		}
		forged := audit.External{Anchor: audit.Anchor{Seq: 6, Hash: old.Hash}}
		wantBroken(t, verify(t, st, forged), 6, "does not match the start")
	})
}
