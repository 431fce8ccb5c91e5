package email

import (
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	smtpd "github.com/emersion/go-smtp"

	"github.com/prometheus/alertmanager/notify"

	"github.com/ward-monitoring/ward/servicetest"
)

func TestNotifyFailures(t *testing.T) {
	tests := []struct {
		name      string
		rcptErr   *smtpd.SMTPError
		password  string
		untrusted bool // leave the server's CA out of tls_config
		retry     bool
		reason    notify.Reason
		errSubstr string
	}{
		{
			name:      "wrong password is permanent",
			password:  "wrong-password-xyzzy",
			retry:     false,
			reason:    notify.AuthErrorReason,
			errSubstr: "535",
		},
		{
			name:      "451 is retried",
			rcptErr:   &smtpd.SMTPError{Code: 451, EnhancedCode: smtpd.EnhancedCode{4, 3, 0}, Message: "try again later"},
			retry:     true,
			reason:    notify.ServerErrorReason,
			errSubstr: "451",
		},
		{
			name:      "unknown recipient is permanent",
			rcptErr:   &smtpd.SMTPError{Code: 550, EnhancedCode: smtpd.EnhancedCode{5, 1, 1}, Message: "no such user"},
			retry:     false,
			reason:    notify.ClientErrorReason,
			errSubstr: "550",
		},
		{
			name:      "untrusted certificate is retried",
			untrusted: true,
			retry:     true,
			reason:    notify.RequestErrorReason,
			errSubstr: "certificate",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startMailServer(t, false, tt.rcptErr)
			password := testPassword
			if tt.password != "" {
				password = tt.password
			}
			cfg := serverConfig(srv, password, "")
			if tt.untrusted {
				cfg = strings.Replace(cfg, "ca_file: "+srv.caFile, "server_name: localhost", 1)
			}
			n := mustBuild(t, cfg)

			v := n.Notify(notifyContext(t, 15*time.Second), hostAlerts(false)...)
			assertVerdict(t, v, tt.retry, tt.reason, tt.errSubstr)
			if strings.Contains(v.Err().Error(), password) {
				t.Errorf("error leaks the password: %v", v.Err())
			}
			if len(srv.messages()) != 0 {
				t.Errorf("server accepted a message")
			}
		})
	}
}

func TestNotifyServerDown(t *testing.T) {
	// Take a free port and close it again: connecting is refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	_ = l.Close()

	_, caFile := servicetest.SelfSignedCert(t)
	n := mustBuild(t, serverConfig(&mailServer{port: port, caFile: caFile}, testPassword, ""))
	v := n.Notify(notifyContext(t, 15*time.Second), hostAlerts(false)...)
	assertVerdict(t, v, true, notify.RequestErrorReason, "refused")
}

func TestNotifyHungServerRespectsDeadline(t *testing.T) {
	// A server that accepts the connection and never greets.
	addr, _ := servicetest.HungSMTP(t)
	_, port, _ := net.SplitHostPort(addr)

	_, caFile := servicetest.SelfSignedCert(t)
	n := mustBuild(t, serverConfig(&mailServer{port: port, caFile: caFile}, testPassword, ""))
	v := n.Notify(notifyContext(t, 200*time.Millisecond), hostAlerts(false)...)
	assertVerdict(t, v, true, notify.ContextDeadlineExceededReason, "")
}

func TestRedact(t *testing.T) {
	const secret = "hunter2"
	orig := fmt.Errorf("smtp auth: %w", &textproto.Error{Code: 535, Msg: "bad password hunter2"})

	got := redact(orig, "", secret)
	if strings.Contains(got.Error(), secret) {
		t.Errorf("redacted error still holds the secret: %v", got)
	}
	if errors.Unwrap(got) != nil {
		t.Error("redacted error unwraps to the original, which holds the secret")
	}
	if v := verdict(t.Context(), got); v.ShouldRetry() || v.Reason() != notify.AuthErrorReason {
		t.Errorf("redacted 535: retry=%v reason=%v, want permanent authError", v.ShouldRetry(), v.Reason())
	}
	if clean := errors.New("no secret here"); redact(clean, secret) != clean {
		t.Error("an error without secrets was replaced")
	}
}

// assertVerdict checks a failed verdict's retry decision, reason and text.
func assertVerdict(tb testing.TB, v notify.NotifyVerdict, retry bool, reason notify.Reason, errSubstr string) {
	tb.Helper()
	if v.Err() == nil {
		tb.Fatal("Notify succeeded, want failure")
	}
	if v.ShouldRetry() != retry {
		tb.Errorf("retry = %v, want %v (err: %v)", v.ShouldRetry(), retry, v.Err())
	}
	if v.Reason() != reason {
		tb.Errorf("reason = %v, want %v (err: %v)", v.Reason(), reason, v.Err())
	}
	if !strings.Contains(v.Err().Error(), errSubstr) {
		tb.Errorf("error %q lacks %q", v.Err(), errSubstr)
	}
}
