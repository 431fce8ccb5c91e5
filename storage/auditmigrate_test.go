package storage

import (
	"bytes"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
)

// Migration of chains written before keyed sealing, and what happens to
// records appended before the key is known.

// sealV1 seals a record as ward did before keyed sealing (the old
// audit.Seal): SHA-256 over the v1 canonical form, no key.
func sealV1(r audit.Record, seq uint64, prev []byte) audit.Record {
	r.Seq = seq
	r.Time = r.Time.UTC().Round(0)
	r.Prev = append([]byte(nil), prev...)
	if len(r.Details) == 0 {
		r.Details = nil
	}
	r.Hash = r.LegacyHash(r.Prev)
	return r
}

// v1Chain writes a database as the previous build left it: schema 3, a
// plain SHA-256 chain of which #1 and #2 were pruned (#7 says so), head
// #7. It returns the path and the v1 head.
func v1Chain(tb testing.TB, tamper func(b *bbolt.Bucket)) (string, audit.Anchor) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "ward.db")
	st, err := OpenState(path)
	if err != nil {
		tb.Fatal(err)
	}
	st.Close()
	var head audit.Anchor
	offline(tb, path, func(tx *bbolt.Tx) error {
		b, chain := tx.Bucket(bucketAudit), tx.Bucket(bucketAuditChain)
		prev := audit.Genesis
		var anchor audit.Anchor
		for i := range 7 {
			seq := uint64(i + 1)
			r := audit.Record{Time: t0.Add(time.Duration(i) * time.Minute), Actor: "alice", Action: audit.ActionLogin, Outcome: audit.Success}
			if seq == 7 {
				r = audit.Record{Time: t0.Add(time.Hour), Actor: "ward", Action: audit.ActionAuditPrune, Outcome: audit.Success,
					Details: map[string]string{"count": "2", "anchor": "2", "before": "x"}}
			}
			r = sealV1(r, seq, prev)
			prev = r.Hash
			if seq <= 2 {
				anchor = audit.Anchor{Seq: seq, Hash: r.Hash}
				continue
			}
			put(tb, b, seq, r)
		}
		head = audit.Anchor{Seq: 7, Hash: prev}
		if tamper != nil {
			tamper(b)
		}
		if err := putChainPoint(chain, keyAuditAnchor, anchor); err != nil {
			return err
		}
		if err := putChainPoint(chain, keyAuditHead, head); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte{3})
	})
	return path, head
}

// TestAuditMigratesV1Chain: a chain from before keyed sealing is checked
// and re-sealed in place at the first start with the key; an anchor taken
// from it (its head) still matches; tampering afterwards is caught.
func TestAuditMigratesV1Chain(t *testing.T) {
	path, oldHead := v1Chain(t, nil)
	st, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Read-only verification before the upgrade: valid, and says so.
	res, err := st.VerifyAuditWith(testAuditKey, t0)
	if err != nil || !res.Valid || res.Unkeyed != 5 || !strings.Contains(res.String(), "unkeyed v1 format") {
		t.Fatalf("v1 chain before migration: %s, %v", res, err)
	}
	rep, err := st.SetAuditKey(testAuditKey, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Migrated != 5 || rep.Late != 0 || rep.LegacyBroken != nil || rep.KeyChanged || rep.OldHead.Seq != 7 || !bytes.Equal(rep.OldHead.Hash, oldHead.Hash) {
		t.Fatalf("report %+v", rep)
	}
	res = verify(t, st)
	if !res.Valid || res.Unkeyed != 0 || res.First != 3 || res.Last != 8 {
		t.Fatalf("after migration: %s", res)
	}
	recs, err := st.AuditQuery(audit.Query{Action: audit.ActionAuditMigrate}, nil)
	if err != nil || len(recs) != 1 {
		t.Fatalf("migrate records %+v, %v", recs, err)
	}
	if d := recs[0].Details; d["records"] != "5" || d["old_head_seq"] != "7" || d["old_head"] != hex.EncodeToString(oldHead.Hash) || d["anchor"] != "2" {
		t.Fatalf("migrate record details %v", d)
	}
	if err := st.db.View(func(tx *bbolt.Tx) error {
		for seq := uint64(3); seq <= 7; seq++ {
			r := decodeAt(t, tx.Bucket(bucketAudit), seq)
			if !bytes.Equal(r.ComputeMAC(testAuditKey, r.Prev), r.Hash) {
				t.Errorf("#%d not re-sealed", seq)
			}
		}
		if v := tx.Bucket(bucketMeta).Get(keySchemaVersion); len(v) != 1 || v[0] != schemaVersion {
			t.Errorf("schema version %v", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// The v1 head matches through the migrate record; a v1 anchor at a
	// re-sealed record cannot be checked and fails rather than passing.
	if res := verify(t, st, audit.External{Anchor: oldHead, V1: true}); !res.Valid || !strings.Contains(res.Anchors[0].How, "audit.migrate record #8") {
		t.Fatalf("v1 head anchor: %+v", res)
	}
	if res := verify(t, st, audit.External{Anchor: oldHead}); res.Valid {
		t.Fatal("a v1 head given as a keyed anchor matched")
	}
	if res := verify(t, st, audit.External{Anchor: audit.Anchor{Seq: 5, Hash: oldHead.Hash}, V1: true}); res.Valid {
		t.Fatal("a v1 anchor at a re-sealed record passed")
	}

	// A second start changes nothing.
	if rep, err := st.SetAuditKey(testAuditKey, t0); err != nil || rep.Migrated != 0 || rep.Late != 0 || rep.LegacyBroken != nil || rep.KeyChanged {
		t.Fatalf("second start: %+v, %v", rep, err)
	}
	// Tampering after the migration, re-sealed without the key, is caught.
	if err := st.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		r := decodeAt(t, b, 4)
		r.Actor = "mallory"
		put(t, b, 4, r)
		resealFrom(t, tx, 4, plainSHA256)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantBroken(t, verify(t, st), 4, "modified")
}

// TestAuditBrokenV1ChainIsNotResealed: re-sealing a v1 chain that does not
// verify would launder the tampering, so it is kept and stays broken.
func TestAuditBrokenV1ChainIsNotResealed(t *testing.T) {
	path, _ := v1Chain(t, func(b *bbolt.Bucket) {
		r := decodeAt(t, b, 5)
		r.Actor = "mallory"
		put(t, b, 5, r)
	})
	st, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := st.SetAuditKey(testAuditKey, t0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Migrated != 0 || rep.LegacyBroken == nil || rep.LegacyBroken.FirstBad != 5 {
		t.Fatalf("report %+v", rep)
	}
	wantBroken(t, verify(t, st), 5, "modified")
	if err := st.db.View(func(tx *bbolt.Tx) error {
		r := decodeAt(t, tx.Bucket(bucketAudit), 3)
		if !bytes.Equal(r.LegacyHash(r.Prev), r.Hash) {
			t.Error("#3 was re-sealed")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// New records are sealed under the key and the chain stays broken,
	// across restarts too.
	appendN(t, st, 1)
	st.Close()
	st = openKeyed(t, path)
	wantBroken(t, verify(t, st), 5, "modified")
}

// TestAuditRecordsBeforeKey: records appended before the key is set (the
// key.init OpenKey writes) are sealed under it by SetAuditKey; records a
// process sealed before it ended without the key cannot be vouched for.
func TestAuditRecordsBeforeKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ward.db")
	st, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.VerifyAudit(t0); !errors.Is(err, ErrNoAuditKey) {
		t.Fatalf("verify without key: %v", err)
	}
	if _, err := st.PruneAudit(t0, audit.Record{Action: audit.ActionAuditPrune, Outcome: audit.Success}); !errors.Is(err, ErrNoAuditKey) {
		t.Fatalf("prune without key: %v", err)
	}
	appendN(t, st, 2)
	rep, err := st.SetAuditKey(testAuditKey, t0)
	if err != nil || rep.Late != 2 || rep.Migrated != 0 || rep.LegacyBroken != nil {
		t.Fatalf("%+v, %v", rep, err)
	}
	if res := verify(t, st); !res.Valid || res.Records != 2 {
		t.Fatalf("%s", res)
	}
	st.Close()

	// A tool that appends without loading the key, then exits.
	st, err = OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, st, 1)
	st.Close()
	st = openKeyed(t, path)
	wantBroken(t, verify(t, st), 3, "modified, or sealed under another key")
}

// TestAuditKeyMismatch: another key is told apart from tampering.
func TestAuditKeyMismatch(t *testing.T) {
	path := keyedChain(t, 3)
	st, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	other := bytes.Repeat([]byte{0x5a}, 32)
	if _, err := st.VerifyAuditWith(other, t0); !errors.Is(err, ErrAuditKeyMismatch) {
		t.Fatalf("verify with another key: %v", err)
	}
	if res, err := st.VerifyAuditWith(testAuditKey, t0); err != nil || !res.Valid {
		t.Fatalf("%s, %v", res, err)
	}
	// A replaced secret key: ward goes on under the new one, and the
	// records sealed under the old one stop verifying.
	rep, err := st.SetAuditKey(other, t0)
	if err != nil || !rep.KeyChanged {
		t.Fatalf("%+v, %v", rep, err)
	}
	wantBroken(t, verify(t, st), 1, "sealed under another key")
}

// TestAuditPruneRefusesBrokenChain: pruning a tampered record and naming
// its hash in the prune record would launder the tampering.
func TestAuditPruneRefusesBrokenChain(t *testing.T) {
	st := openTestState(t)
	appendN(t, st, 5)
	raw(t, st, func(b *bbolt.Bucket) error {
		r := decodeAt(t, b, 2)
		r.Actor = "mallory"
		put(t, b, 2, r)
		return nil
	})
	prune := audit.Record{Time: t0.Add(time.Hour), Actor: "ward", Action: audit.ActionAuditPrune, Outcome: audit.Success}
	if n, err := st.PruneAudit(t0.Add(3*time.Minute), prune); !errors.Is(err, ErrAuditBroken) || n != 0 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	wantBroken(t, verify(t, st), 2, "modified")
}
