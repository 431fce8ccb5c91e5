package auth

import (
	"context"
	"encoding/base32"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// clock is an injected clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a Service over a real database in a temporary directory.
type env struct {
	dir string
	st  *storage.State
	svc *Service
	clk *clock
	ctx context.Context
}

// step0 starts the clock at the beginning of a TOTP step.
var step0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newEnv(tb testing.TB, edit func(*Config)) *env {
	tb.Helper()
	dir := tb.TempDir()
	st, err := storage.OpenState(filepath.Join(dir, "ward.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	clk := &clock{t: step0}
	key, err := OpenKey(st, KeySource{DataDir: dir}, clk.Now, quiet)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := DefaultConfig()
	if edit != nil {
		edit(&cfg)
	}
	svc, err := New(st, cfg, Options{Now: clk.Now, Key: key, Logger: quiet})
	if err != nil {
		tb.Fatal(err)
	}
	return &env{dir: dir, st: st, svc: svc, clk: clk, ctx: context.Background()}
}

var quiet = slog.New(slog.DiscardHandler)

const testPassword = "correct horse battery staple"

func (e *env) addUser(tb testing.TB, name string, role Role) {
	tb.Helper()
	if _, err := e.svc.CreateUser(e.ctx, Local("cli:test"), NewUser{Name: name, Role: role, Password: testPassword}); err != nil {
		tb.Fatal(err)
	}
}

func (e *env) login(tb testing.TB, name, ip string) *LoginResult {
	tb.Helper()
	res, err := e.svc.Login(e.ctx, LoginRequest{Username: name, Password: testPassword, IP: ip, UserAgent: "test-agent"})
	if err != nil {
		tb.Fatalf("login %s: %v", name, err)
	}
	return res
}

func (e *env) auth(tb testing.TB, token string) *Principal {
	tb.Helper()
	p, err := e.svc.Authenticate(e.ctx, token, "192.0.2.1", "test-agent")
	if err != nil {
		tb.Fatalf("authenticate: %v", err)
	}
	return p
}

// enrolled is a user with 2FA on.
type enrolled struct {
	secret   []byte
	recovery []string
	token    string // the active session after enrolment
}

// enrol signs name in (an admin lands in StageEnrol) and turns on 2FA.
func (e *env) enrol(tb testing.TB, name string) enrolled {
	tb.Helper()
	res := e.login(tb, name, "192.0.2.1")
	p := e.auth(tb, res.Token)
	en, err := e.svc.BeginEnrolment(e.ctx, p, testPassword)
	if err != nil {
		tb.Fatal(err)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(en.Secret)
	if err != nil {
		tb.Fatal(err)
	}
	done, err := e.svc.ConfirmEnrolment(e.ctx, p, code(tb, secret, e.clk.Now()))
	if err != nil {
		tb.Fatal(err)
	}
	return enrolled{secret: secret, recovery: done.RecoveryCodes, token: done.Token}
}

func code(tb testing.TB, secret []byte, t time.Time) string {
	tb.Helper()
	c, err := totpCode(secret, totpStep(t), otp.DigitsSix)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// records returns the audit records matching q, oldest first.
func (e *env) records(tb testing.TB, q audit.Query) []audit.Record {
	tb.Helper()
	recs, err := e.st.AuditQuery(q, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
		recs[i], recs[j] = recs[j], recs[i]
	}
	return recs
}
