package email

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net/textproto"
	"strings"
	texttemplate "text/template"

	amemail "github.com/prometheus/alertmanager/notify/email"
	"github.com/prometheus/alertmanager/template"
)

// defaultTemplates holds ward's own subject, text and HTML templates. They
// are used whenever the email config leaves subject, text or html unset.
//
//go:embed templates/*.tmpl
var defaultTemplates embed.FS

// Names of the entry points in the embedded default templates.
const (
	defaultSubject = "ward.email.subject"
	defaultText    = "ward.email.text"
	defaultHTML    = "ward.email.html"
)

// defaultData is what ward's default templates see: Alertmanager's template
// data plus the link to the alert list in ward.
type defaultData struct {
	*template.Data
	// AlertsURL is ward's alert page, or empty when no external URL is known.
	AlertsURL string
}

// rendered is one notification after templating, before it becomes a MIME
// message. Header values are single lines.
type rendered struct {
	from    string // envelope sender (config "from")
	to      string // envelope recipients (config "to")
	subject string
	text    string
	html    string
	// headers are the remaining configured headers, keyed by canonical name,
	// without Subject.
	headers map[string]string
}

// renderer turns Alertmanager template data into a rendered notification.
// Fields the user configured are executed with the user's Alertmanager
// templates, exactly as Alertmanager would; the rest use ward's defaults.
type renderer struct {
	tmpl *template.Template

	from, to string
	subject  string // user's Subject header template; empty means ward's default
	text     string // user's text template; empty means ward's default
	html     string // user's html template; empty means ward's default
	headers  map[string]string

	defaultText *texttemplate.Template
	defaultHTML *htmltemplate.Template
	alertsURL   string
}

// newRenderer parses ward's default templates and decides, field by field,
// whether the user's template or ward's default applies.
func newRenderer(cfg *amemail.EmailConfig, tmpl *template.Template, alertsURL string) (*renderer, error) {
	funcs := map[string]any(template.DefaultFuncs)
	txt, err := texttemplate.New("").Option("missingkey=zero").Funcs(funcs).
		ParseFS(defaultTemplates, "templates/email.txt.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse default text templates: %w", err)
	}
	html, err := htmltemplate.New("").Option("missingkey=zero").Funcs(funcs).
		ParseFS(defaultTemplates, "templates/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse default html templates: %w", err)
	}

	r := &renderer{
		tmpl:        tmpl,
		from:        cfg.From,
		to:          cfg.To,
		headers:     make(map[string]string, len(cfg.Headers)),
		defaultText: txt,
		defaultHTML: html,
		alertsURL:   alertsURL,
	}
	for k, v := range cfg.Headers {
		r.headers[textproto.CanonicalMIMEHeaderKey(k)] = v
	}
	// Alertmanager's decoder fills in its own defaults, which would hide
	// ward's; a value equal to Alertmanager's default counts as unset.
	if s := r.headers["Subject"]; s != amemail.DefaultEmailSubject {
		r.subject = s
	}
	delete(r.headers, "Subject")
	if cfg.HTML != amemail.DefaultEmailConfig.HTML {
		r.html = cfg.HTML
	}
	r.text = cfg.Text
	return r, nil
}

// render executes every template for one notification. Errors name the
// config field whose template failed.
func (r *renderer) render(data *template.Data) (rendered, error) {
	out := rendered{headers: make(map[string]string, len(r.headers))}
	var err error
	userText := func(field, text string) string {
		if err != nil {
			return ""
		}
		s, e := r.tmpl.ExecuteTextString(text, data)
		if e != nil {
			err = fmt.Errorf("%s template: %w", field, e)
		}
		return s
	}
	out.from = userText("from", r.from)
	out.to = userText("to", r.to)
	for k, v := range r.headers {
		out.headers[k] = oneLine(userText("headers."+k, v))
	}
	if r.subject != "" {
		out.subject = userText("headers.Subject", r.subject)
	}
	if r.text != "" {
		out.text = userText("text", r.text)
	}
	if r.html != "" && err == nil {
		if out.html, err = r.tmpl.ExecuteHTMLString(r.html, data); err != nil {
			err = fmt.Errorf("html template: %w", err)
		}
	}
	if err != nil {
		return rendered{}, err
	}

	dd := defaultData{Data: data, AlertsURL: r.alertsURL}
	if r.subject == "" {
		if out.subject, err = execute(r.defaultText, defaultSubject, dd); err != nil {
			return rendered{}, err
		}
	}
	if r.text == "" {
		if out.text, err = execute(r.defaultText, defaultText, dd); err != nil {
			return rendered{}, err
		}
	}
	if r.html == "" {
		if out.html, err = execute(r.defaultHTML, defaultHTML, dd); err != nil {
			return rendered{}, err
		}
	}
	out.subject = oneLine(out.subject)
	return out, nil
}

// namedExecutor is what text/template and html/template have in common.
type namedExecutor interface {
	ExecuteTemplate(w io.Writer, name string, data any) error
}

// execute runs one named default template into a string.
func execute(t namedExecutor, name string, data any) (string, error) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", fmt.Errorf("default template %s: %w", name, err)
	}
	return buf.String(), nil
}

// oneLine folds a rendered header value onto one line, so a template that
// emits a newline cannot inject another header.
func oneLine(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s))
}
