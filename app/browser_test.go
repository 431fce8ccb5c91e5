package app

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

var setupURLRE = regexp.MustCompile(`http://\S+/setup\?token=\S+`)

// browser starts headless Chromium at a desktop width.
func browser(tb testing.TB) context.Context {
	tb.Helper()
	return servicetest.Browser(tb, 1100, 1000)
}

// noTwoFactor lets every role sign in with a password alone, so that
// browser tests of the console reach it in one step.
const noTwoFactor = "auth:\n  two_factor:\n    required_roles: []\n"

// browserPassword is the password of the users signInBrowser creates.
const browserPassword = "purple otters juggle quietly at dawn"

// signInBrowser creates the user name with role in the running ward and
// signs in as them through the sign-in form, in a browser width pixels
// wide (390 for a phone). in must run with noTwoFactor in its config.
func signInBrowser(tb testing.TB, in *instance, name string, role auth.Role, width int) context.Context {
	tb.Helper()
	if _, err := in.app.auth.CreateUser(context.Background(), auth.Local("test"), auth.NewUser{
		Name: name, Email: name + "@example.com", Role: role, Password: browserPassword,
	}); err != nil {
		tb.Fatalf("creating %s: %v", name, err)
	}
	ctx := servicetest.Browser(tb, width, 900)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(in.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), name),
		chromedp.SendKeys(chromedp.CSS(`#password`), browserPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav`)),
	); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		tb.Fatalf("signing in as %s: %v\npage:\n%s", name, err, html)
	}
	return ctx
}

// TestBrowserSignIn drives the real UI in headless Chromium: first-run
// setup, 2FA enrolment from the manual key, sign-out, sign-in with TOTP,
// sign-in with a recovery code in a second browser context, and ending
// one of the two sessions from the other.
func TestBrowserSignIn(t *testing.T) {
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\nauth:\n  session:\n    max_per_user: 2\n")
	setupURL := setupURLRE.FindString(in.stderr.String())
	if setupURL == "" {
		t.Fatalf("ward printed no setup URL:\n%s", in.stderr.String())
	}
	const user, password = "admin", "purple otters juggle quietly at dawn"
	ctx := browser(t)
	fail := func(ctx context.Context, what string, err error) {
		t.Helper()
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		t.Fatalf("%s: %v\npage:\n%s", what, err, html)
	}
	run := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			fail(ctx, what, err)
		}
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			fail(ctx, "reading "+sel, err)
		}
		return s
	}
	count := func(ctx context.Context, sel string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
		if err != nil {
			fail(ctx, "counting "+sel, err)
		}
		return n
	}
	signIn := func(ctx context.Context) {
		run(ctx, "sign in with the password",
			chromedp.Navigate(in.base+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`#username`)),
			chromedp.SendKeys(chromedp.CSS(`#username`), user),
			chromedp.SendKeys(chromedp.CSS(`#password`), password),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/login/2fa"]`)),
		)
	}

	// 1. First-run setup through the printed URL.
	run(ctx, "setup",
		chromedp.Navigate(setupURL),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), user),
		chromedp.SendKeys(chromedp.CSS(`#email`), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.SendKeys(chromedp.CSS(`#confirm`), password),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#enrol-password`)),
	)

	// 2. Enrolment: an admin must enrol before anything else, and
	// starting it takes the password again.
	run(ctx, "nothing but enrolment", chromedp.Navigate(in.base+"/sessions"), chromedp.WaitVisible(chromedp.CSS(`#enrol-password`)))
	run(ctx, "start enrolment with the password",
		chromedp.SendKeys(chromedp.CSS(`#enrol-password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/account/2fa/start"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#manual-key`)),
	)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	shotFile := filepath.Join(t.TempDir(), "enrol.png")
	if err := os.WriteFile(shotFile, shot, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("enrolment page screenshot: %s", shotFile)
	if dir := os.Getenv("WARD_SCREENSHOT_DIR"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "enrol.png"), shot, 0o600)
	}
	// The key reads in groups of four and copies as one value; the page
	// says where in the wizard it is.
	if got := text(ctx, `main`); !strings.Contains(got, "Step 2 of 2") {
		t.Errorf("enrolment page does not say its step: %q", got)
	}
	if groups, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#manual-key span").length`)); err != nil || groups != 8 {
		t.Errorf("manual key in %d groups (%v), want 8 of 4", groups, err)
	}
	servicetest.Axe(t, ctx, "2FA enrolment")
	secret := strings.TrimSpace(text(ctx, `#manual-key`))
	enrolAt := time.Now()
	code, err := totp.GenerateCode(secret, enrolAt)
	if err != nil {
		t.Fatalf("manual key %q: %v", secret, err)
	}
	run(ctx, "confirm enrolment",
		chromedp.SendKeys(chromedp.CSS(`#code`), code),
		chromedp.Click(chromedp.CSS(`form[action="/account/2fa"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#recovery-codes`)),
	)
	recovery, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#recovery-codes code")).map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(recovery) != 10 {
		t.Fatalf("recovery codes shown: %q, want 10", recovery)
	}

	// 3. Sign out.
	run(ctx, "sign out",
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
	)
	if got := text(ctx, `main`); !strings.Contains(got, "You are signed out") {
		t.Errorf("after sign-out: %q", got)
	}
	if loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`)); err != nil || loc != "/login?signed_out=1" {
		t.Errorf("after sign-out the address is %q (%v), want /login?signed_out=1", loc, err)
	}

	// 4. Sign in with TOTP. The enrolment used the current 30 s step;
	// each code works once, so use the next step (within the allowed
	// skew).
	signIn(ctx)
	next, err := totp.GenerateCode(secret, enrolAt.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	run(ctx, "TOTP step",
		chromedp.SendKeys(chromedp.CSS(`#code`), next),
		chromedp.Click(chromedp.CSS(`form[action="/login/2fa"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav`)),
	)
	if got := text(ctx, `main`); !strings.Contains(got, "Signed in as "+user) {
		t.Fatalf("after TOTP sign-in: %q", got)
	}

	// 5. Sign in with a recovery code, in a second browser context (its
	// own cookies).
	ctx2, cancel2 := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel2()
	signIn(ctx2)
	run(ctx2, "recovery code step",
		chromedp.SendKeys(chromedp.CSS(`#code`), recovery[0]),
		chromedp.Click(chromedp.CSS(`form[action="/login/2fa"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a.button`)),
	)
	if got := text(ctx2, `main`); !strings.Contains(got, "You have 9 left") {
		t.Errorf("after recovery sign-in: %q", got)
	}

	// 6. Two sessions; the first ends the second, which is told why.
	run(ctx, "sessions page",
		chromedp.Navigate(in.base+"/sessions"),
		chromedp.WaitVisible(chromedp.CSS(`table`)),
	)
	if rows := count(ctx, "tbody tr"); rows != 2 {
		t.Fatalf("sessions listed: %d, want 2", rows)
	}
	run(ctx, "end the other session",
		chromedp.Click(chromedp.CSS(`form[action^="/sessions/"][action$="/end"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.success`)),
	)
	if rows := count(ctx, "tbody tr"); rows != 1 {
		t.Errorf("sessions after ending one: %d, want 1", rows)
	}
	run(ctx2, "ended session's next request",
		chromedp.Navigate(in.base+"/account"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
	)
	if got := text(ctx2, `main`); !strings.Contains(got, "You were signed out: the session was ended from the sessions page") {
		t.Errorf("ended session sees: %q", got)
	}
}

// TestBrowserHarness proves the console tests' tools work: a viewer signs
// in on a phone-wide browser, and axe-core and the sideways-scroll check
// run on the page.
func TestBrowserHarness(t *testing.T) {
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\n"+noTwoFactor)
	ctx := signInBrowser(t, in, "vera", auth.RoleViewer, 390)
	servicetest.Axe(t, ctx, "home")
	servicetest.NoSidewaysScroll(t, ctx, "home")
}
