package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

const mailTestPassword = "a perfectly long test password"

// mailSection is a mail section for the SMTP server at addr, trusting
// caFile and logging in with servicetest's credentials from a file.
func mailSection(tb testing.TB, addr, caFile string) string {
	tb.Helper()
	pwFile := filepath.Join(tb.TempDir(), "smtp.password")
	if err := os.WriteFile(pwFile, []byte(servicetest.SMTPPassword+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	_, port, _ := strings.Cut(addr, ":")
	return fmt.Sprintf(`
mail:
  smarthost: localhost:%s
  from: 'ward <ward@example.com>'
  hello: ward.test
  auth_username: %s
  auth_password_file: %s
  tls_config: {ca_file: %s}
`, port, servicetest.SMTPUser, pwFile, caFile)
}

// startMailWard runs ward with mail through srv and a user ada (role,
// with an email address).
func startMailWard(t *testing.T, mail string, role auth.Role) *instance {
	t.Helper()
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\n"+mail)
	if _, err := in.app.auth.CreateUser(context.Background(), auth.Local("test"), auth.NewUser{
		Name: "ada", Email: "ada@example.com", Role: role, Password: mailTestPassword,
	}); err != nil {
		t.Fatal(err)
	}
	return in
}

// browserClient keeps cookies and sends agent as its User-Agent.
func browserClient(t *testing.T, agent string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: time.Minute, Transport: userAgent(agent)}
}

type userAgent string

func (ua userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", string(ua))
	return http.DefaultTransport.RoundTrip(r)
}

// postForm posts a form through the UI and returns status and body.
func postForm(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// userMail is a received message taken apart.
type userMail struct {
	to            string
	subject       string
	text, html    string
	multipartType string
}

func parseUserMail(t *testing.T, m servicetest.SMTPMessage) userMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, m.Data)
	}
	var dec mime.WordDecoder
	subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	out := userMail{to: strings.Join(m.To, ","), subject: subject, multipartType: mt}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p)
		switch pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pt {
		case "text/plain":
			out.text = string(b)
		case "text/html":
			out.html = string(b)
		}
	}
	if !m.TLS || m.AuthUser != servicetest.SMTPUser {
		t.Errorf("mail %q sent with TLS %v as %q", subject, m.TLS, m.AuthUser)
	}
	if out.multipartType != "multipart/alternative" || out.text == "" || out.html == "" {
		t.Errorf("mail %q: %s with text %q and html %q, want both parts", subject, mt, out.text, out.html)
	}
	return out
}

// TestMailPasswordReset: the reset form mails a link to a known user and
// nothing for an unknown one, answering both alike; the link works through
// the real UI.
func TestMailPasswordReset(t *testing.T) {
	srv := servicetest.SMTP(t)
	in := startMailWard(t, mailSection(t, srv.Addr, srv.CAFile), auth.RoleViewer)
	c := browserClient(t, "test-browser")

	// The unknown user goes first: mail is sent in order, so if it made
	// any, it would arrive before ada's.
	codeUnknown, bodyUnknown := postForm(t, c, in.base+"/reset-password", url.Values{"username": {"nobody"}})
	codeKnown, bodyKnown := postForm(t, c, in.base+"/reset-password", url.Values{"username": {"ada"}})
	if codeUnknown != 200 || codeKnown != 200 || bodyUnknown != bodyKnown || !strings.Contains(bodyKnown, "a reset link is on its way") {
		t.Fatalf("reset request answers differ or are wrong: unknown %d, known %d\n%s\n---\n%s", codeUnknown, codeKnown, bodyUnknown, bodyKnown)
	}
	msgs := srv.WaitMessages(t, 1)
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want 1", len(msgs))
	}
	m := parseUserMail(t, msgs[0])
	if m.to != "ada@example.com" || m.subject != "[ward] Reset your password" {
		t.Fatalf("mail to %q subject %q", m.to, m.subject)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(in.base) + `/reset-password\?token=[A-Za-z0-9_-]+`).FindString(m.text)
	if link == "" || !strings.Contains(m.html, `href="`+link+`"`) {
		t.Fatalf("no reset link below %s in both parts:\n%s\n%s", in.base, m.text, m.html)
	}

	resp, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := strings.TrimPrefix(link, in.base+"/reset-password?token=")
	if resp.StatusCode != 200 || !strings.Contains(string(page), token) {
		t.Fatalf("GET reset link: %d\n%s", resp.StatusCode, page)
	}
	const newPassword = "an entirely different passphrase"
	code, body := postForm(t, c, in.base+"/reset-password/confirm", url.Values{"token": {token}, "password": {newPassword}, "confirm": {newPassword}})
	if code != 200 || !strings.Contains(body, "Password changed") {
		t.Fatalf("confirm: %d\n%s", code, body)
	}
	ctx := context.Background()
	if _, err := in.app.auth.Login(ctx, auth.LoginRequest{Username: "ada", Password: newPassword, IP: "127.0.0.1"}); err != nil {
		t.Errorf("new password does not work: %v", err)
	}
	// Single use.
	if code, _ := postForm(t, c, in.base+"/reset-password/confirm", url.Values{"token": {token}, "password": {newPassword + "!"}, "confirm": {newPassword + "!"}}); code == 200 {
		t.Error("reset link worked twice")
	}
}

// TestMailSecurityNotices: signing in through the UI with a recovery code
// from a new browser mails ada twice: the recovery code notice and the
// new-device notice.
func TestMailSecurityNotices(t *testing.T) {
	srv := servicetest.SMTP(t)
	in := startMailWard(t, mailSection(t, srv.Addr, srv.CAFile), auth.RoleAdmin)
	codes := enrolAda(t, in)

	c := browserClient(t, "new-browser/1.0")
	if code, body := postForm(t, c, in.base+"/login", url.Values{"username": {"ada"}, "password": {mailTestPassword}}); code != 200 || !strings.Contains(body, `name="code"`) {
		t.Fatalf("password step: %d\n%s", code, body)
	}
	if code, body := postForm(t, c, in.base+"/login/2fa", url.Values{"code": {codes[0]}}); code != 200 || !strings.Contains(body, "Recovery code used") {
		t.Fatalf("recovery code step: %d\n%s", code, body)
	}
	bySubject := map[string]userMail{}
	for _, msg := range srv.WaitMessages(t, 2) {
		m := parseUserMail(t, msg)
		bySubject[m.subject] = m
	}
	rec, ok := bySubject["[ward] A recovery code was used to sign in"]
	if !ok || rec.to != "ada@example.com" || !strings.Contains(rec.text, "9 recovery codes left") || !strings.Contains(rec.html, "9 recovery codes left") {
		t.Errorf("recovery code notice %+v (all: %v)", rec, bySubject)
	}
	nc, ok := bySubject["[ward] New sign-in to your account"]
	if !ok || !strings.Contains(nc.text, "new-browser/1.0") || !strings.Contains(nc.text, in.base+"/sessions") {
		t.Errorf("new-device notice %+v", nc)
	}
}

// enrolAda turns on ada's 2FA through the service (from the agent
// "setup") and returns her recovery codes.
func enrolAda(t *testing.T, in *instance) []string {
	t.Helper()
	ctx, svc := context.Background(), in.app.auth
	res, err := svc.Login(ctx, auth.LoginRequest{Username: "ada", Password: mailTestPassword, IP: "127.0.0.1", UserAgent: "setup"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, res.Token, "127.0.0.1", "setup")
	if err != nil {
		t.Fatal(err)
	}
	en, err := svc.BeginEnrolment(ctx, p, mailTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(en.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	done, err := svc.ConfirmEnrolment(ctx, p, code)
	if err != nil {
		t.Fatal(err)
	}
	return done.RecoveryCodes
}

// TestMailServerHungDoesNotBlockSignIn: with an SMTP server that accepts
// and never answers, sign-ins and reset requests still complete, and ward
// still stops (the pending send is cancelled).
func TestMailServerHungDoesNotBlockSignIn(t *testing.T) {
	hung, accepted := servicetest.HungSMTP(t)
	_, port, _ := strings.Cut(hung, ":")
	in := startMailWard(t, fmt.Sprintf("\nmail:\n  smarthost: 127.0.0.1:%s\n  from: ward@example.com\n", port), auth.RoleViewer)

	for _, agent := range []string{"first-browser", "second-browser", "third-browser"} {
		c := browserClient(t, agent)
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		code, body := postForm(t, c, in.base+"/login", url.Values{"username": {"ada"}, "password": {mailTestPassword}})
		if code != http.StatusSeeOther {
			t.Fatalf("sign-in from %s: %d\n%s", agent, code, body)
		}
	}
	// The mailer is now stuck in a conversation with the hung server...
	select {
	case <-accepted:
	case <-time.After(time.Minute):
		t.Fatal("ward never connected to the SMTP server")
	}
	// ...and requests still complete.
	c := browserClient(t, "first-browser")
	if code, body := postForm(t, c, in.base+"/reset-password", url.Values{"username": {"ada"}}); code != 200 || !strings.Contains(body, "a reset link is on its way") {
		t.Fatalf("reset request: %d\n%s", code, body)
	}
	in.stop()
}
