package auth

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// rewriteChain re-seals the audit records from..to (0: the head) of the
// closed database in dir under macKey, with edit applied to each first,
// as whoever holds macKey and the file can. It returns the new head.
func rewriteChain(tb testing.TB, dir string, from, to uint64, macKey []byte, edit func(*audit.Record), extra func(*bbolt.Tx) error) {
	tb.Helper()
	db, err := bbolt.Open(filepath.Join(dir, "ward.db"), 0o600, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		b, chain := tx.Bucket([]byte("audit")), tx.Bucket([]byte("audit_chain"))
		var head audit.Anchor
		if err := json.Unmarshal(chain.Get([]byte("head")), &head); err != nil {
			return err
		}
		if to == 0 {
			to = head.Seq
		}
		key := func(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }
		var prev []byte
		for seq := from; seq <= to; seq++ {
			r, err := audit.Decode(b.Get(key(seq)))
			if err != nil {
				return err
			}
			if prev == nil {
				prev = r.Prev
			}
			if edit != nil {
				edit(&r)
			}
			r = audit.Seal(r, seq, prev, macKey)
			v, _ := r.Encode()
			if err := b.Put(key(seq), v); err != nil {
				return err
			}
			prev = r.Hash
		}
		if to == head.Seq {
			v, _ := json.Marshal(audit.Anchor{Seq: to, Hash: prev})
			if err := chain.Put([]byte("head"), v); err != nil {
				return err
			}
		}
		if extra != nil {
			return extra(tx)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// TestOldKeyCannotRewriteHistoryAfterRotation: whoever holds the database
// file and the secret key from before a rotation can derive the old
// epoch's MAC key, but no rewrite they can make verifies under the new
// key.
func TestOldKeyCannotRewriteHistoryAfterRotation(t *testing.T) {
	setup := func(t *testing.T) (*rotFix, []byte, uint64) {
		f := newRotFix(t, 4)
		if _, err := RotateKey(context.Background(), f.st, f.key, RotateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := f.st.AppendAudit(newRecord(time.Now(), "ada", "", audit.ActionLogin, "ada", audit.Success, nil)); err != nil {
			t.Fatal(err)
		}
		start, err := f.st.AuditQuery(audit.Query{Action: audit.ActionKeyRotateStart}, nil)
		if err != nil || len(start) != 1 {
			t.Fatal(err)
		}
		old, _ := newKey(f.oldRaw)
		mac, _ := old.Derive(audit.KeyPurpose)
		f.st.Close()
		return f, mac, start[0].Seq
	}
	forge := func(r *audit.Record) {
		if r.Seq == 2 {
			r.Target = "forged"
		}
	}
	dropEpochs := func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket([]byte("audit_epochs")); err != nil {
			return err
		}
		_, err := tx.CreateBucket([]byte("audit_epochs"))
		return err
	}
	for _, c := range []struct {
		name  string
		whole bool // re-seal the records after the rotation too
		extra func(*bbolt.Tx) error
	}{
		{name: "rewrite a record before the rotation"},
		{name: "rewrite every record under the old key", whole: true},
		{name: "rewrite every record and drop the epochs", whole: true, extra: dropEpochs},
		{name: "drop the epochs only", extra: dropEpochs},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f, mac, rotSeq := setup(t)
			to := rotSeq
			if c.whole {
				to = 0
			}
			edit := forge
			if c.extra != nil && !c.whole {
				to, edit = 1, nil // the epochs go, the records stay
			}
			rewriteChain(t, f.dir, 1, to, mac, edit, c.extra)
			st, err := storage.OpenState(filepath.Join(f.dir, "ward.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			fresh, err := OpenKey(st, KeySource{DataDir: f.dir}, nil, quiet)
			if err != nil {
				t.Fatal(err)
			}
			res, err := st.VerifyAuditWithKey(fresh, time.Now())
			if err == nil && res.Valid {
				t.Fatalf("the rewritten chain verifies: %v", res)
			}
			t.Logf("detected: %v %v", res, err)
		})
	}
	t.Run("the old key alone cannot verify", func(t *testing.T) {
		f, _, _ := setup(t)
		st, err := storage.OpenState(filepath.Join(f.dir, "ward.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		old, _ := newKey(f.oldRaw)
		if res, err := st.VerifyAuditWithKey(old, time.Now()); err == nil && res.Valid {
			t.Fatal("the chain verifies under the old key alone")
		}
		fresh, _ := OpenKey(st, KeySource{DataDir: f.dir}, nil, quiet)
		if res, err := st.VerifyAuditWithKey(fresh, time.Now()); err != nil || !res.Valid {
			t.Fatalf("untouched chain: %v, %v", res, err)
		}
	})
}
