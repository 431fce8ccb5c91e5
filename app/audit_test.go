package app

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/storage"
)

// TestAuditHeadAnchored: ward seals the audit chain under a key derived
// from its secret key, exports the head's sequence number and logs the
// head at start and at shutdown; the logged head checks the chain offline
// and catches a re-seal made with the key.
func TestAuditHeadAnchored(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfgFile := filepath.Join(dir, "ward.yaml")
	writeFile(t, cfgFile, "rules: {builtin: false}\nscrape_configs: []\nstorage:\n  path: "+data+"\nserver:\n  listen: 127.0.0.1:0\n")
	logs := &lockedBuffer{}
	a, err := New(Options{ConfigFile: cfgFile, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{app: a, base: "http://" + a.Addr()}
	in.client = tokenClient(createToken(t, a.auth, "test-admin", auth.RoleAdmin))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	defer func() {
		if !stopped {
			cancel()
			<-done
		}
	}()

	if v := in.metricValue(t, "ward_audit_head_seq"); v != "1" {
		t.Errorf("ward_audit_head_seq = %q at start, want 1 (key.init)", v)
	}
	cancel()
	stopped = true
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	heads := regexp.MustCompile(`msg="audit chain head[^"]*" anchor=(\d+:[0-9a-f]{64})`).FindAllStringSubmatch(logs.String(), -1)
	// key.init at start; the setup token and the API token by shutdown.
	if len(heads) != 2 || heads[0][1][:2] != "1:" || heads[1][1][:2] != "3:" {
		t.Fatalf("want the head logged at start (#1) and at shutdown (#3), got %q in:\n%s", heads, logs.String())
	}
	anchor, err := audit.ParseExternal(heads[1][1])
	if err != nil {
		t.Fatal(err)
	}

	st, err := storage.OpenState(filepath.Join(data, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	raw, err := os.ReadFile(filepath.Join(data, auth.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.ParseKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	key, err := k.Derive(audit.KeyPurpose)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := st.VerifyAuditWith(key, time.Now(), anchor); err != nil || !res.Valid || res.Records != 3 || !res.Anchors[0].OK {
		t.Fatalf("offline check against the logged head: %s, %v", res, err)
	}
	// Another key derived from the same secret does not verify: the chain
	// is keyed with the audit purpose only.
	other, _ := k.Derive("something else")
	if _, err := st.VerifyAuditWith(other, time.Now()); err == nil {
		t.Fatal("a key for another purpose verified the chain")
	}
}

// writeV1Chain leaves <dir>/data/ward.db as the build before keyed
// sealing would: schema 3 and a plain SHA-256 chain of three logins, the
// second edited afterwards when tamper is set.
func writeV1Chain(tb testing.TB, dir string, tamper bool) {
	tb.Helper()
	path := filepath.Join(dir, "data", "ward.db")
	st, err := storage.OpenState(path)
	if err != nil {
		tb.Fatal(err)
	}
	st.Close()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		prev := audit.Genesis
		for seq := uint64(1); seq <= 3; seq++ {
			r := audit.Record{Seq: seq, Time: time.Unix(int64(seq), 0).UTC(), Actor: "alice", Action: audit.ActionLogin, Outcome: audit.Success, Prev: prev}
			r.Hash = r.LegacyHash(prev)
			prev = r.Hash
			if tamper && seq == 2 {
				r.Actor = "mallory"
			}
			v, err := r.Encode()
			if err != nil {
				return err
			}
			if err := tx.Bucket([]byte("audit")).Put(binary.BigEndian.AppendUint64(nil, seq), v); err != nil {
				return err
			}
		}
		head, err := json.Marshal(audit.Anchor{Seq: 3, Hash: prev})
		if err != nil {
			return err
		}
		if err := tx.Bucket([]byte("audit_chain")).Put([]byte("head"), head); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte{3})
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// TestAuditV1ChainAtUpgrade: at the first start after the upgrade a
// verified v1 chain is re-sealed under the key (audit.migrate says so);
// a broken one is not, and ward reports it.
func TestAuditV1ChainAtUpgrade(t *testing.T) {
	for _, tt := range []struct {
		name   string
		tamper bool
		valid  string
	}{{"intact", false, "1"}, {"tampered", true, "0"}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeV1Chain(t, dir, tt.tamper)
			in := startWardIn(t, dir, "rules: {builtin: false}\nscrape_configs: []\n")
			if v := in.metricValue(t, "ward_audit_chain_valid"); v != tt.valid {
				t.Errorf("ward_audit_chain_valid = %q, want %s", v, tt.valid)
			}
			recs, err := in.app.auditLog.Records(context.Background(), "test", "", audit.Query{Action: audit.ActionAuditMigrate})
			if err != nil {
				t.Fatal(err)
			}
			if tt.tamper != (len(recs) == 0) || !tt.tamper && recs[0].Details[audit.DetailRecords] != "3" {
				t.Errorf("migrate records: %+v", recs)
			}
		})
	}
}
