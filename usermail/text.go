package usermail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"text/template"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// mailView is what the mail templates may show. UserAgent comes from the
// client: the HTML template escapes it like everything else.
type mailView struct {
	User      string
	Time      string
	IP        string
	UserAgent string
	Link      string
	Expires   string // password_reset
	Valid     string // password_reset: how long the link works
	Left      int    // recovery_code_used
}

func newMailView(n auth.Notice) mailView {
	return mailView{User: n.User, Time: n.Time.UTC().Format(time.RFC1123), IP: n.IP, UserAgent: n.UserAgent}
}

// The mail bodies, one template per kind. A test renders every kind, so
// a broken template fails there rather than at the first mail.
var (
	mailTextTmpl = template.Must(template.New("mail").Parse(`{{define "password_reset"}}Hello {{.User}},

someone (from {{.IP}}) asked to reset your ward password. To choose a new
one, open this link within {{.Valid}} (until {{.Expires}}):

{{.Link}}

The link works once. Your sessions end when you use it; two-factor
authentication stays on. If you did not ask for this, ignore this mail:
your password does not change.
{{end}}
{{define "recovery_code_used"}}Hello {{.User}},

a recovery code was used to sign in to your ward account at {{.Time}}
from {{.IP}} ({{.UserAgent}}). {{.Left}} recovery codes left.

If this was not you, change your password and regenerate your recovery
codes now: {{.Link}}
{{end}}
{{define "new_client"}}Hello {{.User}},

your ward account was signed in to from a new device at {{.Time}}:
{{.IP}} ({{.UserAgent}}).

If this was not you, end the session and change your password: {{.Link}}
{{end}}`))
	mailHTMLTmpl = htmltemplate.Must(htmltemplate.New("mail").Parse(`{{define "password_reset"}}<p>Hello {{.User}},</p>
<p>someone (from {{.IP}}) asked to reset your ward password. To choose a new one, open this link within {{.Valid}} (until {{.Expires}}):</p>
<p><a href="{{.Link}}">Choose a new password</a></p>
<p>The link works once. Your sessions end when you use it; two-factor authentication stays on. If you did not ask for this, ignore this mail: your password does not change.</p>{{end}}
{{define "recovery_code_used"}}<p>Hello {{.User}},</p>
<p>a recovery code was used to sign in to your ward account at {{.Time}} from {{.IP}} ({{.UserAgent}}). <strong>{{.Left}} recovery codes left.</strong></p>
<p>If this was not you, <a href="{{.Link}}">change your password and regenerate your recovery codes</a> now.</p>{{end}}
{{define "new_client"}}<p>Hello {{.User}},</p>
<p>your ward account was signed in to from a new device at {{.Time}}: {{.IP}} ({{.UserAgent}}).</p>
<p>If this was not you, <a href="{{.Link}}">end the session</a> and change your password.</p>{{end}}`))
)

// renderMail renders the plain-text and HTML bodies of kind.
func renderMail(kind string, v mailView) (text, html string, err error) {
	var tb, hb bytes.Buffer
	if err := mailTextTmpl.ExecuteTemplate(&tb, kind, v); err != nil {
		return "", "", fmt.Errorf("mail text %s: %w", kind, err)
	}
	if err := mailHTMLTmpl.ExecuteTemplate(&hb, kind, v); err != nil {
		return "", "", fmt.Errorf("mail html %s: %w", kind, err)
	}
	return tb.String(), hb.String(), nil
}
