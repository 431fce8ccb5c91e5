package compliance

import "strings"

// A control's Detail (what to do) may hold two marks, so that pages show
// commands as code and point at ward's own documentation and pages:
//
//   - `text` is code (a command, a configuration key);
//   - [text](/path) links to a page of ward ("/backups", or
//     "/docs#backups": ward serves its README at /docs, each heading with
//     an id). Only paths on ward itself are links; anything else stays
//     text, marks and all.
//
// HintParts splits a Detail so; HintText is it as plain text.

// HintPart is a piece of a Detail: plain text, code, or a link.
type HintPart struct {
	Text string
	Code bool
	// Href is a path on ward ("/docs#backups"), for a link.
	Href string
}

// HintParts splits hint into its plain, code and link parts. A mark not
// closed is plain text.
func HintParts(hint string) []HintPart {
	var out []HintPart
	plain := func(s string) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && !out[n-1].Code && out[n-1].Href == "" {
			out[n-1].Text += s
			return
		}
		out = append(out, HintPart{Text: s})
	}
	for hint != "" {
		i := strings.IndexAny(hint, "`[")
		if i < 0 {
			plain(hint)
			break
		}
		plain(hint[:i])
		hint = hint[i:]
		if hint[0] == '`' {
			if j := strings.IndexByte(hint[1:], '`'); j > 0 {
				out = append(out, HintPart{Text: hint[1 : 1+j], Code: true})
				hint = hint[2+j:]
				continue
			}
		} else if text, rest, ok := strings.Cut(hint[1:], "]("); ok && text != "" && !strings.ContainsAny(text, "[]") {
			if href, after, ok := strings.Cut(rest, ")"); ok && localHref(href) {
				out = append(out, HintPart{Text: text, Href: href})
				hint = after
				continue
			}
		}
		plain(hint[:1])
		hint = hint[1:]
	}
	return out
}

// localHref reports whether href is a path on ward itself: it starts
// with one slash and holds no space, quote or backslash.
func localHref(href string) bool {
	return strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "//") && !strings.ContainsAny(href, " \t\n\"'<>\\`")
}

// HintText is hint as plain text: code without its backticks, a link
// as its text and path ("Backups (/docs#backups)").
func HintText(hint string) string {
	var b strings.Builder
	for _, p := range HintParts(hint) {
		b.WriteString(p.Text)
		if p.Href != "" && p.Href != p.Text {
			b.WriteString(" (" + p.Href + ")")
		}
	}
	return b.String()
}
