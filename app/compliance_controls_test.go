package app

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/storage"
)

// wantIn fails unless the evidence's value or detail holds each of want.
func wantIn(tb testing.TB, e compliance.Evidence, want ...string) {
	tb.Helper()
	text := e.Value + " | " + e.Detail
	for _, w := range want {
		if !strings.Contains(text, w) {
			tb.Errorf("%s: evidence lacks %q: %s", e.Control, w, text)
		}
	}
}

// TestComplianceTwoFactor: an admin without 2FA fails the control, as
// does an operator once policy requires it of operators; enrolling and
// disabling pass it.
func TestComplianceTwoFactor(t *testing.T) {
	r := newComplianceRig(t, "")
	r.check("admins-2fa", compliance.NA)
	r.addUser("ada", "admin", true, r.now)
	r.addUser("olga", "operator", false, r.now)
	e := r.check("admins-2fa", compliance.Pass)
	wantIn(t, e, "1 of 1 enrolled")
	r.addUser("bob", "admin", false, r.now)
	wantIn(t, r.check("admins-2fa", compliance.Fail), "1 of 2 enrolled", "bob (admin)")
	r.updateUser("bob", func(u *storage.User) { u.Disabled = true })
	r.check("admins-2fa", compliance.Pass)
	r.load("compliance: {require_2fa_roles: [admin, operator]}")
	wantIn(t, r.check("admins-2fa", compliance.Fail), "olga (operator)")
}

// TestComplianceInactiveAccounts: an enabled account last used 100 days
// ago fails; disabling it, or a longer inactive_after, passes.
func TestComplianceInactiveAccounts(t *testing.T) {
	r := newComplianceRig(t, "")
	r.addUser("ada", "admin", true, r.now.Add(-time.Hour))
	r.check("inactive-accounts", compliance.Pass)
	r.addUser("old", "viewer", false, r.now.Add(-100*24*time.Hour))
	wantIn(t, r.check("inactive-accounts", compliance.Fail), "old (100d)")
	r.load("compliance: {inactive_after: 120d}")
	r.check("inactive-accounts", compliance.Pass)
	r.load("")
	r.updateUser("old", func(u *storage.User) { u.Disabled = true })
	r.check("inactive-accounts", compliance.Pass)
}

// TestComplianceSessionPolicy: the default 30-minute idle timeout passes,
// an hour fails.
func TestComplianceSessionPolicy(t *testing.T) {
	r := newComplianceRig(t, "")
	wantIn(t, r.check("session-policy", compliance.Pass), "idle timeout 30m", "at most 1 per user")
	r.load("auth: {session: {idle_timeout: 1h}}")
	wantIn(t, r.check("session-policy", compliance.Fail), "idle timeout 1h")
}

// TestComplianceRetention: the defaults keep 30 days; a week of events
// fails.
func TestComplianceRetention(t *testing.T) {
	r := newComplianceRig(t, "")
	wantIn(t, r.check("retention", compliance.Pass), "events 30d", "audit trail 400d", "metrics 30d")
	r.load("events: {retention: 7d}")
	wantIn(t, r.check("retention", compliance.Fail), "events.retention")
}

// TestComplianceAuditChain: an intact chain without anchors warns; with
// its head as an anchor it passes; a wrong anchor fails; an audit record
// edited in the database file fails.
func TestComplianceAuditChain(t *testing.T) {
	r := newComplianceRig(t, "")
	r.addUser("ada", "admin", true, r.now)
	r.addUser("bob", "viewer", true, r.now)
	wantIn(t, r.check("audit-chain", compliance.Warn), "records verified", "no external anchor")
	res, err := r.state.VerifyAudit(r.now)
	if err != nil || !res.Valid {
		t.Fatalf("verify: %v %+v", err, res)
	}
	r.load("compliance: {audit_anchors: [\"" + res.Head.String() + "\"]}")
	wantIn(t, r.check("audit-chain", compliance.Pass), "1 anchors match")
	forged := res.Head.String()[:len(res.Head.String())-4] + "0000"
	if forged == res.Head.String() {
		forged = res.Head.String()[:len(res.Head.String())-4] + "1111"
	}
	r.load("compliance: {audit_anchors: [\"" + forged + "\"]}")
	r.check("audit-chain", compliance.Fail)

	// Tamper: change a byte of the first record with ward stopped, as an
	// attacker with the file would, then check again.
	r.load("")
	dir := r.dir
	r.state.Close()
	db, err := bbolt.Open(filepath.Join(dir, "data", "ward.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var seq uint64
	err = db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if strings.Contains(string(v), `"ada"`) {
				seq = binary.BigEndian.Uint64(k)
				return b.Put(append([]byte(nil), k...), []byte(strings.Replace(string(v), `"ada"`, `"eve"`, 1)))
			}
		}
		return errors.New("no record of ada")
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r2 := newComplianceRigIn(t, dir, "")
	wantIn(t, r2.check("audit-chain", compliance.Fail), fmt.Sprintf("BROKEN at record #%d", seq))
}

// TestComplianceSecretsAndDataDir: the key file in the data directory
// warns, a key from the environment passes, a TOTP secret stored in plain
// text fails; a data directory others can read fails.
func TestComplianceSecretsAndDataDir(t *testing.T) {
	r := newComplianceRig(t, "")
	r.addUser("ada", "admin", true, r.now)
	wantIn(t, r.check("secrets-encrypted", compliance.Warn), "1 TOTP secrets sealed", "ward.key")
	r.env["WARD_SECRET_KEY"] = "set"
	wantIn(t, r.check("secrets-encrypted", compliance.Pass), "key from $WARD_SECRET_KEY")
	r.addUser("mallory", "viewer", false, r.now)
	r.updateUser("mallory", func(u *storage.User) { u.TOTPSecret = []byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP") })
	wantIn(t, r.check("secrets-encrypted", compliance.Fail), "1 in plain text", "mallory")

	data := filepath.Join(r.dir, "data")
	wantIn(t, r.check("datadir-permissions", compliance.Pass), "0700")
	if err := os.Chmod(data, 0o755); err != nil {
		t.Fatal(err)
	}
	wantIn(t, r.check("datadir-permissions", compliance.Fail), "0755", "chmod 700")
}

// TestComplianceRateLimits: the control fails for an API route without a
// limit and with no route table. The real table passes in
// TestComplianceInWard.
func TestComplianceRateLimits(t *testing.T) {
	r := newComplianceRig(t, "")
	r.check("api-rate-limits", compliance.Fail)
	r.routes = append(r.routes,
		uiRoute("GET /api/v1/query", true, "api_query", "600 per 1m"),
		uiRoute("GET /alerts", false, "page", "600 per 1m"),
	)
	wantIn(t, r.check("api-rate-limits", compliance.Pass), "1 of 1 API routes limited")
	r.routes = append(r.routes, uiRoute("GET /api/ward/new", true, "unlimited", ""))
	wantIn(t, r.check("api-rate-limits", compliance.Fail), "GET /api/ward/new")
}

// TestComplianceEvidenceLifecycle: evidence carries the audit head; it
// goes stale past its interval; the gauge follows; Run prunes evidence
// past 400 days.
func TestComplianceEvidenceLifecycle(t *testing.T) {
	r := newComplianceRig(t, "")
	r.addUser("ada", "admin", true, r.now)
	head, err := r.state.AuditHead()
	if err != nil || head.Seq == 0 {
		t.Fatalf("audit head %v, %v", head, err)
	}
	e := r.check("admins-2fa", compliance.Pass)
	if e.AuditSeq != head.Seq || e.AuditHead != head.String() {
		t.Errorf("evidence at audit head %d %q, want %s", e.AuditSeq, e.AuditHead, head)
	}
	r.now = r.now.Add(21 * time.Minute)
	items, err := r.svc.Checklist(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Control.ID == "admins-2fa" && (it.Status != compliance.Stale || it.Gauge() != 0) {
			t.Errorf("21 minutes after a 15-minute check: %s (gauge %g), want stale (0)", it.Status, it.Gauge())
		}
	}
	old := compliance.Evidence{Control: "retention", Status: compliance.Pass, Checked: r.now.Add(-401 * 24 * time.Hour)}
	appendEvidence(t, r.state, old)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.svc.Run(ctx); err != nil {
		t.Fatal(err)
	}
	hist, err := r.svc.History("retention", r.now.Add(-500*24*time.Hour), r.now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 0 {
		t.Errorf("evidence from 401 days ago survived Run's pruning: %+v", hist)
	}
}
