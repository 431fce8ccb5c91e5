package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// rotFix is a database with users holding TOTP secrets, some sealed
// before keys carried ids, as a restartable "process": reopen drops the
// state and the key and loads them again as a start does.
type rotFix struct {
	dir     string
	st      *storage.State
	key     *Key
	secrets map[string][]byte
	oldRaw  []byte
	clk     *clock
}

func newRotFix(tb testing.TB, users int) *rotFix {
	tb.Helper()
	f := &rotFix{dir: tb.TempDir(), secrets: map[string][]byte{}, clk: &clock{t: step0}}
	f.open(tb)
	f.oldRaw = append([]byte(nil), f.key.ring.Load().cur.raw...)
	for i := range users {
		name := fmt.Sprintf("user%04d", i)
		secret := make([]byte, totpSecretSize)
		rand.Read(secret)
		f.secrets[name] = secret
		sealed := f.key.Seal(secret, totpAD(name))
		if i%2 == 0 {
			sealed = legacySeal(f.key, secret, totpAD(name))
		}
		u := storage.User{Name: name, Role: string(RoleViewer), PasswordHash: "unused", Created: step0, TOTPSecret: sealed, TOTPEnabled: step0}
		if i == 1 {
			u.PendingTOTP, u.PendingTOTPExpires = f.key.Seal(secret, totpAD(name)), step0.Add(time.Hour)
		}
		if err := f.st.CreateUser(u, newRecord(step0, "cli:test", "", audit.ActionUserCreate, name, audit.Success, nil)); err != nil {
			tb.Fatal(err)
		}
	}
	return f
}

// open loads the state and the key as app.openKey does.
func (f *rotFix) open(tb testing.TB) {
	tb.Helper()
	st, err := storage.OpenState(filepath.Join(f.dir, "ward.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	key, err := OpenKey(st, KeySource{DataDir: f.dir}, f.clk.Now, quiet)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := st.OpenAuditKeys(key, f.clk.Now()); err != nil {
		tb.Fatal(err)
	}
	f.st, f.key = st, key
}

func (f *rotFix) reopen(tb testing.TB) {
	tb.Helper()
	f.st.Close()
	f.open(tb)
}

// checkDone checks a finished rotation: every TOTP secret verifies under
// a key read afresh from the file, which holds the new key only; nothing
// is sealed under another key; the audit chain verifies; the rotation is
// audited once.
func (f *rotFix) checkDone(tb testing.TB) {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, KeyFileName))
	if err != nil {
		tb.Fatal(err)
	}
	if bytes.Contains(b, f.oldRaw) || strings.Contains(string(b), hex.EncodeToString(f.oldRaw)) {
		tb.Fatal("the old key is still in the key file")
	}
	fresh, err := ParseKeyRing(b)
	if err != nil || fresh.PreviousID() != "" {
		tb.Fatalf("key file: previous %q, %v", fresh.PreviousID(), err)
	}
	old, _ := newKey(f.oldRaw)
	if fresh.ID() == old.ID() || f.key.ID() != fresh.ID() {
		tb.Fatalf("key ids: file %s, in memory %s, old %s", fresh.ID(), f.key.ID(), old.ID())
	}
	svc, err := New(f.st, DefaultConfig(), Options{Now: f.clk.Now, Key: fresh, Logger: quiet})
	if err != nil {
		tb.Fatal(err)
	}
	users, err := f.st.Users()
	if err != nil {
		tb.Fatal(err)
	}
	for _, u := range users {
		if SealedID(u.TOTPSecret) != fresh.ID() || (u.PendingTOTP != nil && SealedID(u.PendingTOTP) != fresh.ID()) {
			tb.Fatalf("%s: sealed under %q", u.Name, SealedID(u.TOTPSecret))
		}
		now := f.clk.Now()
		if _, _, err := svc.checkSecondFactor(u, code(tb, f.secrets[u.Name], now), now, false); err != nil {
			tb.Fatalf("%s: TOTP after rotation: %v", u.Name, err)
		}
	}
	if check, _, _ := f.st.KeyCheck(); SealedID(check) != fresh.ID() {
		tb.Fatalf("key check sealed under %q", SealedID(check))
	}
	if rot, err := f.st.KeyRotation(); err != nil || rot != nil {
		tb.Fatalf("rotation still recorded: %+v, %v", rot, err)
	}
	res, err := f.st.VerifyAuditWithKey(fresh, time.Now())
	if err != nil || !res.Valid {
		tb.Fatalf("audit chain after rotation: %v, %v", res, err)
	}
	if res, err := f.st.VerifyAudit(time.Now()); err != nil || !res.Valid {
		tb.Fatalf("audit chain under the in-memory epochs: %v, %v", res, err)
	}
	for _, action := range []string{audit.ActionKeyRotateStart, audit.ActionKeyRotate} {
		// Once for this rotation (a fixture may have rotated before).
		recs, err := f.st.AuditQuery(audit.Query{Action: action}, nil)
		var mine []audit.Record
		for _, r := range recs {
			if r.Details["to_key"] == fresh.ID() {
				mine = append(mine, r)
			}
		}
		if err != nil || len(mine) != 1 {
			tb.Fatalf("%s audited %d times: %v", action, len(mine), err)
		}
		if d := mine[0].Details; d["from_key"] != old.ID() || d["to_key"] != fresh.ID() {
			tb.Fatalf("%s details %v", action, d)
		}
	}
}

func TestRotateKeyResealsEverySecret(t *testing.T) {
	f := newRotFix(t, 250)
	svc, err := New(f.st, DefaultConfig(), Options{Now: f.clk.Now, Key: f.key, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	// Sign-ins keep working during the rotation, for users re-sealed
	// already and users not yet: the service holds the same ring.
	during := func(step string) {
		if step != StepBatch {
			return
		}
		for _, name := range []string{"user0000", "user0249"} {
			u, err := f.st.User(name)
			if err != nil {
				t.Fatal(err)
			}
			now := f.clk.Now()
			if _, _, err := svc.checkSecondFactor(u, code(t, f.secrets[name], now), now, false); err != nil {
				t.Errorf("%s during rotation (sealed under %q): %v", name, SealedID(u.TOTPSecret), err)
			}
		}
	}
	rep, err := RotateKey(context.Background(), f.st, f.key, RotateOptions{Actor: "cli:test", Batch: 100, Step: during})
	if err != nil {
		t.Fatal(err)
	}
	// 250 secrets + 1 pending + the key check; 3 batches and a last one
	// that finds no user left.
	if rep.Resealed != 252 || rep.Batches != 3 || rep.Resumed {
		t.Errorf("report %+v", rep)
	}
	f.checkDone(t)
	// A second rotation starts from the new key and leaves a valid chain
	// of three epochs.
	f.oldRaw = append([]byte(nil), f.key.ring.Load().cur.raw...)
	if _, err := RotateKey(context.Background(), f.st, f.key, RotateOptions{Batch: 100}); err != nil {
		t.Fatal(err)
	}
	if res, err := f.st.VerifyAudit(time.Now()); err != nil || !res.Valid {
		t.Fatalf("chain after two rotations: %v, %v", res, err)
	}
	f.reopen(t)
	if res, err := f.st.VerifyAudit(time.Now()); err != nil || !res.Valid {
		t.Fatalf("chain after two rotations and a restart: %v, %v", res, err)
	}
}

// errCrash stands for the process dying right after a step committed.
type errCrash struct{ step string }

// TestRotateResumesAfterInterruption stops a rotation after each of its
// steps, as kill -9 would (nothing after the step runs), restarts as a
// start does and checks that the rotation is finished exactly once.
func TestRotateResumesAfterInterruption(t *testing.T) {
	for _, stop := range []string{StepKeyWritten, StepStarted, StepBatch + "#1", StepBatch + "#2", StepResealed, StepOldKeyGone} {
		// The second rotation too: its chain has a closed epoch already.
		for _, second := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/second=%v", stop, second), func(t *testing.T) {
				t.Parallel()
				f := newRotFix(t, 120)
				if second {
					if _, err := RotateKey(context.Background(), f.st, f.key, RotateOptions{Batch: 50}); err != nil {
						t.Fatal(err)
					}
					f.reopen(t)
					f.oldRaw = append([]byte(nil), f.key.ring.Load().cur.raw...)
				}
				batches := 0
				crashAt := func(step string) {
					if step == StepBatch {
						batches++
						step = fmt.Sprintf("%s#%d", step, batches)
					}
					if step == stop {
						panic(errCrash{step})
					}
				}
				func() {
					defer func() {
						if r := recover(); r == nil {
							t.Fatal("the rotation did not reach the step")
						} else if _, ok := r.(errCrash); !ok {
							panic(r)
						}
					}()
					RotateKey(context.Background(), f.st, f.key, RotateOptions{Batch: 50, Step: crashAt})
				}()
				f.reopen(t)
				rep, was, err := ResumeRotation(context.Background(), f.st, f.key, RotateOptions{Batch: 50})
				if err != nil || !was || !rep.Resumed {
					t.Fatalf("resume: %+v, %v, %v", rep, was, err)
				}
				f.checkDone(t)
				f.reopen(t)
				if _, was, err := ResumeRotation(context.Background(), f.st, f.key, RotateOptions{}); was || err != nil {
					t.Fatalf("a finished rotation resumed again: %v, %v", was, err)
				}
			})
		}
	}
}

func TestRotateRefusesKeyFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	st, err := storage.OpenState(filepath.Join(dir, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, err := OpenKey(st, KeySource{Value: hex.EncodeToString(rawKey(9)), DataDir: dir}, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.OpenAuditKeys(key, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, err = RotateKey(context.Background(), st, key, RotateOptions{})
	if !errors.Is(err, ErrKeyFromEnv) || !strings.Contains(err.Error(), EnvSecretKeyFile) {
		t.Fatalf("err %v, want ErrKeyFromEnv saying to use %s", err, EnvSecretKeyFile)
	}
	if rot, _ := st.KeyRotation(); rot != nil {
		t.Fatal("a refused rotation was recorded")
	}
}

// TestRotationOutOfStepWithKeyFile: a key file put back from before the
// rotation (the new key lost) is named as the problem, not papered over.
func TestRotationOutOfStepWithKeyFile(t *testing.T) {
	f := newRotFix(t, 3)
	path := filepath.Join(f.dir, KeyFileName)
	before, _ := os.ReadFile(path)
	func() {
		defer func() { recover() }()
		RotateKey(context.Background(), f.st, f.key, RotateOptions{Step: func(s string) {
			if s == StepStarted {
				panic(errCrash{s})
			}
		}})
	}()
	if err := os.WriteFile(path, before, 0o600); err != nil {
		t.Fatal(err)
	}
	f.st.Close()
	st, err := storage.OpenState(filepath.Join(f.dir, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, err := OpenKey(st, KeySource{DataDir: f.dir}, nil, quiet)
	if err == nil {
		_, _, err = ResumeRotation(context.Background(), st, key, RotateOptions{})
	}
	if err == nil || !strings.Contains(err.Error(), "put back the key file the rotation wrote") && !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("err %v", err)
	}
}

// BenchmarkRotateKey rotates the key of a database of 1000 users with
// 2FA (10 batches and the last pass).
func BenchmarkRotateKey(b *testing.B) {
	f := newRotFix(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := RotateKey(context.Background(), f.st, f.key, RotateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
