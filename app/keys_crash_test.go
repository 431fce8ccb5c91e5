package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/control"
	"github.com/ward-monitoring/ward/storage"
)

// rotateEnv makes the test binary act as `ward key rotate --config
// $rotateEnv` on a stopped ward (the offline path, as the command line
// takes it), printing each step and stopping for good after the second
// batch, so the test can kill -9 it mid-rotation.
const rotateEnv = "WARD_TEST_ROTATE_CONFIG"

func rotateChild(cfg string) int {
	off, err := OpenOffline(cfg, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	batches := 0
	off.rotateStep = func(step string) {
		if step == auth.StepBatch {
			batches++
			step = fmt.Sprintf("%s %d", step, batches)
		}
		fmt.Println(step)
		if batches == 2 {
			select {} // paused between batches until killed
		}
	}
	resp := control.Exec(context.Background(), control.Backend{Auth: off.Auth, Ops: off.Ops()}, auth.Local("cli:test"), control.Request{Command: KeyRotate})
	fmt.Println(resp.Error, resp.Text)
	return 1 // never reached in the test: the process is killed first
}

// cheapHasher keeps the set-up of hundreds of users fast; the rotation
// does not touch password hashes.
var cheapHasher = auth.Argon2id{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const rotPassword = "a perfectly long test password"

// enrolUsers creates n users with 2FA on through the identity service and
// returns their TOTP secrets (base32).
func enrolUsers(tb testing.TB, svc *auth.Service, n int) map[string]string {
	tb.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for i := range n {
		name := fmt.Sprintf("user%03d", i)
		if _, err := svc.CreateUser(ctx, auth.Local("cli:test"), auth.NewUser{Name: name, Role: auth.RoleViewer, Password: rotPassword}); err != nil {
			tb.Fatal(err)
		}
		res, err := svc.Login(ctx, auth.LoginRequest{Username: name, Password: rotPassword, IP: "127.0.0.1"})
		if err != nil {
			tb.Fatal(err)
		}
		p, err := svc.Authenticate(ctx, res.Token, "127.0.0.1", "")
		if err != nil {
			tb.Fatal(err)
		}
		en, err := svc.BeginEnrolment(ctx, p, rotPassword)
		if err != nil {
			tb.Fatal(err)
		}
		code, _ := totp.GenerateCode(en.Secret, time.Now())
		if _, err := svc.ConfirmEnrolment(ctx, p, code); err != nil {
			tb.Fatal(err)
		}
		out[name] = en.Secret
	}
	return out
}

// signInWithTOTP signs name in with password and a TOTP code of the next
// step (the current one may be spent by the enrolment).
func signInWithTOTP(tb testing.TB, svc *auth.Service, name, secret string) {
	tb.Helper()
	ctx := context.Background()
	res, err := svc.Login(ctx, auth.LoginRequest{Username: name, Password: rotPassword, IP: "127.0.0.1"})
	if err != nil {
		tb.Fatalf("%s: password step: %v", name, err)
	}
	if res.Stage != auth.StageSecondFactor {
		tb.Fatalf("%s: stage %s after the password, want the 2FA step", name, res.Stage)
	}
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if _, err := svc.SecondFactor(ctx, res.Token, code, "127.0.0.1", ""); err != nil {
		tb.Fatalf("%s: TOTP step: %v", name, err)
	}
}

// TestKeyRotationSurvivesKill9 runs `ward key rotate` on 250 users with
// 2FA in a child process, kills it with SIGKILL between two batches of
// the re-seal, and checks that the next open finishes the rotation: every
// user still signs in with TOTP, the audit chain verifies, the old key is
// gone from the key file.
func TestKeyRotationSurvivesKill9(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "ward.yaml")
	writeFile(t, cfg, fmt.Sprintf("storage: {path: %q}\n", data))
	off, err := OpenOffline(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(off.State, off.Config.Auth, auth.Options{Key: off.Key, Hasher: cheapHasher, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	secrets := enrolUsers(t, svc, 250)
	oldKey, err := os.ReadFile(filepath.Join(data, auth.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	off.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), rotateEnv+"="+cfg)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := bufio.NewScanner(stdout)
	var steps []string
	for lines.Scan() {
		steps = append(steps, lines.Text())
		if lines.Text() == auth.StepBatch+" 2" {
			break
		}
	}
	if len(steps) == 0 || steps[len(steps)-1] != auth.StepBatch+" 2" {
		t.Fatalf("the child did not reach the second batch: steps %q, stderr:\n%s", steps, stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	go io.Copy(io.Discard, stdout)
	cmd.Wait()

	// Killed mid-rotation: both keys in the file, the rotation recorded
	// half done.
	mid, err := os.ReadFile(filepath.Join(data, auth.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := auth.ParseKeyRing(mid)
	if err != nil || ring.PreviousID() == "" {
		t.Fatalf("key file after the kill: previous %q, %v", ring.PreviousID(), err)
	}
	st, err := storage.OpenState(filepath.Join(data, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	rot, err := st.KeyRotation()
	st.Close()
	if err != nil || rot == nil || rot.Batches != 2 {
		t.Fatalf("rotation record after the kill: %+v, %v", rot, err)
	}

	// The next `ward key rotate` (its open) finishes it.
	off, err = OpenOffline(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	resp := control.Exec(context.Background(), control.Backend{Auth: off.Auth, Ops: off.Ops()}, auth.Local("cli:test"), control.Request{Command: KeyRotate})
	if resp.Error != "" || !strings.Contains(resp.Text, "finished the interrupted rotation") {
		t.Fatalf("ward key rotate after the kill: %q %q", resp.Error, resp.Text)
	}
	after, _ := os.ReadFile(filepath.Join(data, auth.KeyFileName))
	old, _ := auth.ParseKeyRing(oldKey)
	fresh, err := auth.ParseKeyRing(after)
	if err != nil || fresh.PreviousID() != "" || fresh.ID() == old.ID() || strings.Contains(string(after), string(oldKey)) {
		t.Fatalf("key file after the rotation: id %s (old %s), previous %q, %v", fresh.ID(), old.ID(), fresh.PreviousID(), err)
	}
	svc, err = auth.New(off.State, off.Config.Auth, auth.Options{Key: fresh, Hasher: cheapHasher, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range secrets {
		signInWithTOTP(t, svc, name, secret)
	}
	res, err := off.State.VerifyAudit(time.Now())
	if err != nil || !res.Valid {
		t.Fatalf("audit chain: %v, %v", res, err)
	}
	for _, action := range []string{audit.ActionKeyRotateStart, audit.ActionKeyRotate} {
		recs, err := off.State.AuditQuery(audit.Query{Action: action}, nil)
		if err != nil || len(recs) != 1 || recs[0].Actor != "cli:test" && action == audit.ActionKeyRotateStart {
			t.Fatalf("%s: %d records %+v, %v", action, len(recs), recs, err)
		}
	}
}

// TestRunningWardRotatesKey rotates the key of a running ward through its
// control socket: the user with 2FA signs in with the ward's in-memory
// key swapped, and again after a restart that reads the new key file.
func TestRunningWardRotatesKey(t *testing.T) {
	dir := t.TempDir()
	in := startWardIn(t, dir, "rules: {builtin: false}\nscrape_configs: []\n")
	secrets := enrolUsers(t, in.app.auth, 1)
	data := filepath.Join(dir, "data")
	before := in.app.key.ID()
	resp, err := control.Call(context.Background(), data, control.Request{Command: KeyRotate})
	if err != nil || resp.Error != "" || !strings.Contains(resp.Text, "rotated the secret key") {
		t.Fatalf("key.rotate through the socket: %v %q %q", err, resp.Error, resp.Text)
	}
	if in.app.key.ID() == before || in.app.key.PreviousID() != "" {
		t.Fatalf("in-memory key %s (was %s), previous %q", in.app.key.ID(), before, in.app.key.PreviousID())
	}
	signInWithTOTP(t, in.app.auth, "user000", secrets["user000"])
	if res, err := in.app.state.VerifyAudit(time.Now()); err != nil || !res.Valid {
		t.Fatalf("audit chain: %v, %v", res, err)
	}
	in.stop()
	in = restartWardIn(t, in, "rules: {builtin: false}\nscrape_configs: []\n")
	defer in.stop()
	if in.app.key.ID() == before {
		t.Fatal("the restarted ward reads the old key")
	}
	// The enrolment and the first sign-in spent this and the next step.
	res, err := in.app.auth.Login(context.Background(), auth.LoginRequest{Username: "user000", Password: rotPassword, IP: "127.0.0.1"})
	if err != nil || res.Stage != auth.StageSecondFactor {
		t.Fatalf("password step: %v", err)
	}
	code, _ := totp.GenerateCode(secrets["user000"], time.Now().Add(-30*time.Second))
	if _, err := in.app.auth.SecondFactor(context.Background(), res.Token, code, "127.0.0.1", ""); err != nil {
		t.Fatalf("TOTP after restart: %v", err)
	}
	if res, err := in.app.state.VerifyAudit(time.Now()); err != nil || !res.Valid {
		t.Fatalf("audit chain after restart: %v, %v", res, err)
	}
}
