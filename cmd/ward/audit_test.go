package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

func runAudit(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errOut strings.Builder
	code = auditCmd(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// resealWithKey rewrites bob's user.create record and re-seals the chain
// from there with the real audit key, as someone holding both ward.db
// and ward.key could.
func resealWithKey(tb testing.TB, db, keyFile string) {
	tb.Helper()
	b, err := os.ReadFile(keyFile)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := auth.ParseKey(b)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := k.Derive(audit.KeyPurpose)
	if err != nil {
		tb.Fatal(err)
	}
	bdb, err := bbolt.Open(db, 0o600, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bbolt.Tx) error {
		recs := tx.Bucket([]byte("audit"))
		var prev []byte
		var head audit.Anchor
		c := recs.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			r, err := audit.Decode(v)
			if err != nil {
				return err
			}
			if r.Target == "bob" {
				r.Target, prev = "eve", r.Prev
			}
			if prev == nil {
				continue
			}
			r = audit.Seal(r, r.Seq, prev, key)
			out, err := r.Encode()
			if err != nil {
				return err
			}
			if err := recs.Put(k, out); err != nil {
				return err
			}
			prev, head = r.Hash, audit.Anchor{Seq: r.Seq, Hash: r.Hash}
		}
		h, err := json.Marshal(head)
		if err != nil {
			return err
		}
		return tx.Bucket([]byte("audit_chain")).Put([]byte("head"), h)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// TestAuditVerifyAnchor: a chain re-sealed with the key verifies on its
// own, and `--anchor` with a head kept from before catches it.
func TestAuditVerifyAnchor(t *testing.T) {
	cfg, db := wardConfig(t)
	for _, name := range []string{"ann", "bob", "cid"} {
		if code, _, stderr := runUser(t, "correct horse battery staple\n", "add", name, "--role", "admin", "--config", cfg); code != 0 {
			t.Fatal(stderr)
		}
	}
	code, out, errOut := runAudit(t, "verify", "--config", cfg)
	m := regexp.MustCompile(`head (\d+:[0-9a-f]{64})`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "no --anchor given") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	anchor := m[1]
	if code, out, _ := runAudit(t, "verify", "--config", cfg, "--anchor", anchor); code != 0 || !strings.Contains(out, "anchor "+anchor+": OK, matches record #4") {
		t.Fatalf("own head: exit %d\n%s", code, out)
	}

	resealWithKey(t, db, filepath.Join(filepath.Dir(db), auth.KeyFileName))
	if code, out, _ := runAudit(t, "verify", "--config", cfg); code != 0 {
		t.Fatalf("a re-seal with the key passes without an anchor (exit %d):\n%s", code, out)
	}
	code, out, _ = runAudit(t, "verify", "--config", cfg, "--anchor", anchor)
	if code != 1 || !strings.Contains(out, "audit chain BROKEN at record #4: does not match anchor "+anchor) {
		t.Fatalf("re-seal with the key against the anchor: exit %d\n%s", code, out)
	}
}

func TestAuditVerifyProblems(t *testing.T) {
	cfg, db := wardConfig(t)
	if code, _, stderr := runUser(t, "correct horse battery staple\n", "add", "ann", "--role", "admin", "--config", cfg); code != 0 {
		t.Fatal(stderr)
	}
	for _, bad := range []string{"12", "x:00", "3:abcd"} {
		if code, _, errOut := runAudit(t, "verify", "--config", cfg, "--anchor", bad); code != 2 || !strings.Contains(errOut, "malformed anchor") {
			t.Errorf("--anchor %s: exit %d, %q", bad, code, errOut)
		}
	}
	t.Setenv(auth.EnvSecretKey, hex.EncodeToString(make([]byte, 32)))
	if code, _, errOut := runAudit(t, "verify", "--config", cfg); code != 1 || !strings.Contains(errOut, "is not the one the audit trail is sealed with") {
		t.Errorf("wrong key: exit %d, %q", code, errOut)
	}
	t.Setenv(auth.EnvSecretKey, "")
	keyFile := filepath.Join(filepath.Dir(db), auth.KeyFileName)
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runAudit(t, "verify", "--config", cfg); code != 1 || !strings.Contains(errOut, "cannot verify: secret key") || !strings.Contains(errOut, keyFile) {
		t.Errorf("missing key: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(keyFile); err == nil {
		t.Error("verify created a key file")
	}
}
