package apperrors

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"
)

// groupFrames is how many in-app frames (innermost first) make an
// exception's grouping key.
const groupFrames = 5

// groupingKey is the text events of one issue share: the SDK's
// fingerprint when it sent one ("{{ default }}" stands for the default
// key), otherwise the default key.
func groupingKey(p *parsed) string {
	if len(p.fingerprint) == 0 || (len(p.fingerprint) == 1 && isDefaultPlaceholder(p.fingerprint[0])) {
		return defaultKey(p)
	}
	parts := make([]string, len(p.fingerprint))
	for i, f := range p.fingerprint {
		if isDefaultPlaceholder(f) {
			f = defaultKey(p)
		}
		parts[i] = f
	}
	return "fingerprint\n" + strings.Join(parts, "\n")
}

func isDefaultPlaceholder(s string) bool {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{{") || !strings.HasSuffix(s, "}}") {
		return false
	}
	return strings.EqualFold(strings.TrimSpace(s[2:len(s)-2]), "default")
}

// defaultKey groups exceptions by type and the top in-app frames
// (module or file, and function: never line numbers, which move with
// every edit), messages by their normalised text, and anything else by
// level and logger.
func defaultKey(p *parsed) string {
	if ex := primary(&p.Event); ex != nil {
		var b strings.Builder
		b.WriteString("exception\n")
		if ex.Module != "" {
			b.WriteString(ex.Module + ".")
		}
		b.WriteString(ex.Type)
		frames := groupingFrames(ex.Frames)
		for _, f := range frames {
			b.WriteString("\n" + frameName(f) + " " + f.Function)
		}
		if len(frames) == 0 {
			b.WriteString("\n" + normaliseMessage(ex.Value))
		}
		return b.String()
	}
	if p.template != "" {
		return "message\n" + normaliseMessage(p.template)
	}
	if p.Message != "" {
		return "message\n" + normaliseMessage(p.Message)
	}
	return "empty\n" + p.Level + "\n" + p.Logger
}

// primary is the exception the event is about: the last of the chain
// (Sentry lists the cause first, the exception raised last).
func primary(e *Event) *Exception {
	if len(e.Exceptions) == 0 {
		return nil
	}
	return &e.Exceptions[len(e.Exceptions)-1]
}

// groupingFrames are the innermost groupFrames in-app frames, innermost
// first, or the innermost frames of all when none is in-app.
func groupingFrames(frames []Frame) []Frame {
	var out []Frame
	for i := len(frames) - 1; i >= 0 && len(out) < groupFrames; i-- {
		if frames[i].InApp {
			out = append(out, frames[i])
		}
	}
	if len(out) > 0 {
		return out
	}
	for i := len(frames) - 1; i >= 0 && len(out) < groupFrames; i-- {
		out = append(out, frames[i])
	}
	return out
}

func frameName(f Frame) string {
	if f.Module != "" {
		return f.Module
	}
	return f.Filename
}

// culprit is the innermost in-app frame as "module in function", else
// the transaction.
func culprit(e *Event) string {
	if ex := primary(e); ex != nil {
		if fs := groupingFrames(ex.Frames); len(fs) > 0 {
			return short(frameName(fs[0]) + " in " + fs[0].Function)
		}
	}
	return e.Transaction
}

// title is "Type: value" (the value's first line) or the message.
func title(p *parsed) string {
	if ex := primary(&p.Event); ex != nil {
		v, _, _ := strings.Cut(ex.Value, "\n")
		if v == "" {
			return short(ex.Type)
		}
		if ex.Type == "" {
			return short(v)
		}
		return short(ex.Type + ": " + v)
	}
	m := p.template
	if m == "" {
		m = p.Message
	}
	if m != "" {
		m, _, _ = strings.Cut(m, "\n")
		return short(normaliseMessage(m))
	}
	return "<no message>"
}

// Placeholders of normaliseMessage, most specific first: an e-mail
// address holds digits, a UUID hex, a quoted string anything.
var messageVariables = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`), "<email>"},
	{regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`), "<uuid>"},
	{regexp.MustCompile(`'[^'\n]*'|"[^"\n]*"`), "<str>"},
	{regexp.MustCompile(`\b0[xX][0-9a-fA-F]+\b`), "<hex>"},
	{regexp.MustCompile(`\b[0-9a-fA-F]*[0-9][0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\b|\b[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*[0-9][0-9a-fA-F]*\b`), "<hex>"},
	{regexp.MustCompile(`\d+(?:\.\d+)*`), "<num>"},
}

// normaliseMessage replaces what changes between occurrences of one
// message (numbers, hex, UUIDs, quoted strings, e-mail addresses) with
// placeholders and collapses white space.
func normaliseMessage(m string) string {
	m = truncate(m, 1024)
	for _, v := range messageVariables {
		m = v.re.ReplaceAllString(m, v.with)
	}
	return strings.Join(strings.FieldsFunc(m, unicode.IsSpace), " ")
}

// fingerprintHash is the hex SHA-256 of a grouping key.
func fingerprintHash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// issueID is stable and URL-safe: 32 hex digits of the SHA-256 of the
// project and the grouping key's hash.
func issueID(project, fingerprint string) string {
	h := sha256.Sum256([]byte(project + "\x00" + fingerprint))
	return hex.EncodeToString(h[:16])
}
