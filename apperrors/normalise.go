package apperrors

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds on what one stored event keeps of its SDK's payload; the rest
// is dropped (the frames in the middle of a deep stack, the oldest
// breadcrumbs).
const (
	MaxExceptions  = 20  // of an exception chain, the last (newest) ones
	MaxFrames      = 200 // per exception: the 100 outermost and 100 innermost
	MaxBreadcrumbs = 100 // the newest
	MaxTags        = 100
	MaxHeaders     = 100
	// A breadcrumb keeps at most MaxCrumbData of its data's keys (the
	// first in byte order), each value as text of at most
	// MaxCrumbDataValue bytes (objects and lists as their JSON).
	MaxCrumbData      = 20
	MaxCrumbDataValue = 1024
	maxText           = 8192 // bytes of a message or exception value
	maxShort          = 200  // bytes of a tag, header, name, level, release...
)

// parsed is one event as the service needs it: what the pages show and
// what grouping looks at besides.
type parsed struct {
	Event
	fingerprint []string // the SDK's, if any
	template    string   // logentry.message when it has params
}

// errNotObject: an event item whose JSON is not an object.
var errNotObject = errors.New("apperrors: event: not a JSON object")

// decodeEvent reads one event's JSON into a tree (numbers kept as text).
func decodeEvent(raw []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errNotObject
	}
	return m, nil
}

// normalise turns a (scrubbed) event tree into an Event. Anything of an
// unexpected type is ignored, never trusted.
func normalise(tree map[string]any, received time.Time) parsed {
	var p parsed
	e := &p.Event
	e.ID = eventID(str(tree["event_id"]))
	e.Received = received.UTC()
	e.Timestamp = timestamp(tree["timestamp"], e.Received)
	e.Level = normLevel(str(tree["level"]))
	e.Platform = short(str(tree["platform"]))
	e.Environment = short(str(tree["environment"]))
	e.Release = short(str(tree["release"]))
	e.ServerName = short(str(tree["server_name"]))
	e.Logger = short(str(tree["logger"]))
	e.Transaction = short(str(tree["transaction"]))
	e.Message, p.template = message(tree)
	e.Exceptions = exceptions(tree["exception"])
	e.Breadcrumbs = breadcrumbs(tree["breadcrumbs"])
	e.Request = request(tree["request"])
	if tags := pairs(tree["tags"], MaxTags); len(tags) > 0 {
		e.Tags = tags
	}
	e.User = user(tree["user"])
	for _, f := range list(tree["fingerprint"]) {
		if s := str(f); s != "" && len(p.fingerprint) < 50 {
			p.fingerprint = append(p.fingerprint, short(s))
		}
	}
	return p
}

// str is v as text: strings as they are, numbers and booleans printed,
// anything else "".
func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return ""
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n-- // not in the middle of a rune
	}
	return s[:n]
}

func short(s string) string { return truncate(s, maxShort) }

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// eventID is the SDK's id (32 hex digits, dashes allowed) or a new one.
func eventID(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "-", ""))
	if hex32.MatchString(s) {
		return s
	}
	return newEventID()
}

func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// timestamp reads an RFC 3339 string (a zone-less one is UTC) or Unix
// seconds; anything else, or anything absurd, is def.
func timestamp(v any, def time.Time) time.Time {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil || math.IsNaN(f) || f < 0 || f > 1e11 {
			return def
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC()
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t.UTC()
			}
		}
	}
	return def
}

func normLevel(s string) string {
	switch s = strings.ToLower(s); s {
	case "":
		return "error"
	case "warn":
		return "warning"
	case "critical":
		return "fatal"
	}
	return short(s)
}

var printfVerb = regexp.MustCompile(`%[-#+ 0-9.]*[sdrifxXeEgGo]`)

// message is the event's message and, when the SDK sent a template with
// parameters, the template (grouping prefers it).
func message(tree map[string]any) (msg, template string) {
	for _, k := range []string{"logentry", "message"} {
		switch v := tree[k].(type) {
		case string:
			if v != "" {
				return truncate(v, maxText), ""
			}
		case map[string]any:
			formatted, tmpl := str(v["formatted"]), str(v["message"])
			params := list(v["params"])
			if len(params) > 0 {
				template = truncate(tmpl, maxText)
			}
			if formatted == "" && tmpl != "" {
				formatted = tmpl
				if len(params) > 0 {
					i := 0
					formatted = printfVerb.ReplaceAllStringFunc(tmpl, func(m string) string {
						if i >= len(params) {
							return m
						}
						i++
						return str(params[i-1])
					})
				}
			}
			if formatted != "" {
				return truncate(formatted, maxText), template
			}
		}
	}
	return "", ""
}

func exceptions(v any) []Exception {
	values := list(v)
	if m := obj(v); m != nil {
		values = list(m["values"])
	}
	if len(values) > MaxExceptions {
		values = values[len(values)-MaxExceptions:]
	}
	var out []Exception
	for _, x := range values {
		m := obj(x)
		if m == nil {
			continue
		}
		ex := Exception{Type: short(str(m["type"])), Value: truncate(str(m["value"]), maxText), Module: short(str(m["module"]))}
		frames := list(obj(m["stacktrace"])["frames"])
		if len(frames) > MaxFrames {
			frames = append(frames[:MaxFrames/2:MaxFrames/2], frames[len(frames)-MaxFrames/2:]...)
		}
		for _, f := range frames {
			if fm := obj(f); fm != nil {
				ex.Frames = append(ex.Frames, frame(fm))
			}
		}
		if ex.Type == "" && ex.Value == "" && len(ex.Frames) == 0 {
			continue
		}
		out = append(out, ex)
	}
	return out
}

func frame(m map[string]any) Frame {
	f := Frame{
		Module:      short(str(m["module"])),
		Function:    short(str(m["function"])),
		Filename:    truncate(str(m["filename"]), 1024),
		AbsPath:     truncate(str(m["abs_path"]), 1024),
		ContextLine: truncate(str(m["context_line"]), 1024),
		PreContext:  lines(m["pre_context"]),
		PostContext: lines(m["post_context"]),
	}
	// Old SDKs (Debian's sentry-sdk 1.9.10) mark library and standard
	// library frames in_app: a path says otherwise.
	f.InApp = m["in_app"] == true && !libraryPath(f.AbsPath) && !libraryPath(f.Filename)
	if n, ok := m["lineno"].(json.Number); ok {
		if i, err := n.Int64(); err == nil && i > 0 && i < math.MaxInt32 {
			f.Lineno = int(i)
		}
	}
	return f
}

func lines(v any) []string {
	var out []string
	for _, l := range list(v) {
		if len(out) == 10 {
			break
		}
		out = append(out, truncate(str(l), 1024))
	}
	return out
}

func breadcrumbs(v any) []Breadcrumb {
	values := list(v)
	if m := obj(v); m != nil {
		values = list(m["values"])
	}
	if len(values) > MaxBreadcrumbs {
		values = values[len(values)-MaxBreadcrumbs:]
	}
	var out []Breadcrumb
	for _, x := range values {
		m := obj(x)
		if m == nil {
			continue
		}
		out = append(out, Breadcrumb{
			Timestamp: timestamp(m["timestamp"], time.Time{}),
			Type:      short(str(m["type"])),
			Category:  short(str(m["category"])),
			Level:     short(str(m["level"])),
			Message:   truncate(str(m["message"]), maxText),
			Data:      crumbData(obj(m["data"])),
		})
	}
	return out
}

// crumbData is a breadcrumb's data as text, bounded (MaxCrumbData,
// MaxCrumbDataValue); scrubbing has been through it already.
func crumbData(m map[string]any) map[string]string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) > MaxCrumbData {
		keys = keys[:MaxCrumbData]
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		v := m[k]
		var text string
		switch v.(type) {
		case map[string]any, []any:
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if enc.Encode(v) == nil {
				text = strings.TrimSuffix(b.String(), "\n")
			}
		case nil:
			text = "null"
		default:
			text = str(v)
		}
		out[short(k)] = truncate(text, MaxCrumbDataValue)
	}
	return out
}

// pairs reads an object or a list of [key, value] pairs, at most n.
func pairs(v any, n int) map[string]string {
	out := map[string]string{}
	add := func(k string, v any) {
		if k != "" && len(out) < n {
			out[short(k)] = truncate(str(v), 1024)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			add(k, x)
		}
	case []any:
		for _, p := range v {
			if kv := list(p); len(kv) == 2 {
				add(str(kv[0]), kv[1])
			}
		}
	}
	return out
}

func request(v any) *Request {
	m := obj(v)
	if m == nil {
		return nil
	}
	r := &Request{Method: short(str(m["method"])), URL: truncate(str(m["url"]), 4096)}
	switch q := m["query_string"].(type) {
	case string:
		r.QueryString = truncate(q, 4096)
	case []any, map[string]any:
		r.QueryString = truncate(encodePairs(q), 4096)
	}
	if h := pairs(m["headers"], MaxHeaders); len(h) > 0 {
		r.Headers = h
	}
	if c := cookies(m["cookies"]); len(c) > 0 {
		r.Cookies = c
	}
	if d, ok := m["data"]; ok && d != nil {
		if b, err := json.Marshal(d); err == nil && len(b) <= 64<<10 {
			r.Data = b
		}
	}
	if r.Method == "" && r.URL == "" && r.QueryString == "" && r.Headers == nil && r.Cookies == nil && r.Data == nil {
		return nil
	}
	return r
}

// cookies reads request.cookies: an object, pairs or a Cookie header's
// "a=1; b=2"; at most MaxHeaders.
func cookies(v any) map[string]string {
	s, ok := v.(string)
	if !ok {
		return pairs(v, MaxHeaders)
	}
	out := map[string]string{}
	for _, p := range strings.Split(s, ";") {
		if k, v, _ := strings.Cut(strings.TrimSpace(p), "="); k != "" && len(out) < MaxHeaders {
			out[short(k)] = truncate(v, 1024)
		}
	}
	return out
}

// encodePairs writes query pairs as key=value&... (as the SDK had them,
// not escaped again).
func encodePairs(v any) string {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + v)
	}
	switch v := v.(type) {
	case []any:
		for _, p := range v {
			if kv := list(p); len(kv) == 2 {
				add(str(kv[0]), str(kv[1]))
			}
		}
	case map[string]any:
		for k, x := range v {
			add(k, str(x))
		}
	}
	return b.String()
}

func user(v any) *User {
	m := obj(v)
	if m == nil {
		return nil
	}
	u := &User{ID: short(str(m["id"])), Email: short(str(m["email"])), Username: short(str(m["username"])), IPAddress: short(str(m["ip_address"]))}
	if u.IPAddress == "{{auto}}" {
		u.IPAddress = ""
	}
	if *u == (User{}) {
		return nil
	}
	return u
}

// pythonStdlib matches a Python standard library directory:
// /usr/lib/python3.11/, /usr/local/lib/python3.12/, venv/lib/python3.9/.
var pythonStdlib = regexp.MustCompile(`(^|[/\\])lib[/\\]python\d+(\.\d+)?[/\\]`)

// libraryPath reports whether a frame's path is a library's, never the
// app's: under site-packages or dist-packages, or Python's standard
// library.
func libraryPath(p string) bool {
	if p == "" {
		return false
	}
	p = strings.ReplaceAll(p, "\\", "/")
	if strings.Contains(p, "/site-packages/") || strings.Contains(p, "/dist-packages/") ||
		strings.HasPrefix(p, "site-packages/") || strings.HasPrefix(p, "dist-packages/") {
		return true
	}
	return pythonStdlib.MatchString(p)
}
