package apperrors

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
)

// Filtered replaces a scrubbed value.
const Filtered = "[Filtered]"

// secretKey matches the keys whose values are scrubbed wherever they
// appear in an event: request data, extra, contexts, tags, breadcrumb
// data, frame variables, headers (HTTP_AUTHORIZATION, X-Auth-Token,
// X-Amz-Credential), query strings and fragments. Like Sentry's own
// defaults it matches inside names, so "author" is filtered too.
var secretKey = regexp.MustCompile(`(?i)pass|pwd|secret|token|session|csrf|api_?key|api-key|private_?key|private-key|credential|jwt|auth`)

// secretHeader are keys scrubbed whatever their name says: credentials.
var secretHeader = map[string]bool{"authorization": true, "proxy-authorization": true}

// cookieKey are keys holding cookies: each cookie keeps its name and
// loses its value.
var cookieKey = map[string]bool{"cookie": true, "cookies": true, "set-cookie": true, "http_cookie": true}

func isSecretKey(k string) bool {
	return secretHeader[strings.ToLower(k)] || secretKey.MatchString(k)
}

// secretPair finds key=value and key: value with a secret-looking key
// in free text (messages, exception values, breadcrumbs, tag and header
// values, URLs' queries and fragments); the value, a quoted string or a
// word up to a separator, with an HTTP auth scheme before it, becomes
// Filtered. It is narrower than secretKey ("passed: 3" is not a
// password).
var secretPair = regexp.MustCompile(`(?i)([\w.-]*(?:passw(?:or)?d|pwd|secret|token|session|csrf|api_?key|api-key|private_?key|private-key|credential|jwt|auth)[\w.-]*["']?\s*[:=]\s*)((?:bearer|basic|token|digest)\s+)?("[^"]*"|'[^']*'|[^\s&,;"'#<>]+)`)

// urlUserinfo is the user:password@ of a URL.
var urlUserinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@?#"'<>]+@`)

// scrubText filters the credentials of URLs and the secret pairs in s.
func scrubText(s string) string {
	if !strings.ContainsAny(s, ":=") {
		return s
	}
	s = urlUserinfo.ReplaceAllString(s, "${1}"+Filtered+"@")
	return secretPair.ReplaceAllString(s, "${1}${2}"+Filtered)
}

// scrubCookies keeps each cookie's name and filters its value, in a
// Cookie header ("a=1; b=2"), an object or a list of pairs.
func scrubCookies(v any) any {
	switch x := v.(type) {
	case string:
		parts := strings.Split(x, ";")
		for i, p := range parts {
			name, _, found := strings.Cut(strings.TrimSpace(p), "=")
			if found {
				parts[i] = name + "=" + Filtered
			} else {
				parts[i] = strings.TrimSpace(p)
			}
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		for k := range x {
			x[k] = Filtered
		}
		return x
	case []any:
		for i, p := range x {
			if kv, ok := p.([]any); ok && len(kv) == 2 {
				kv[1] = Filtered
			} else {
				x[i] = scrubCookies(p)
			}
		}
		return x
	case nil:
		return nil
	}
	return Filtered
}

// scrub replaces, in place and before anything is stored, every value
// under a secret key anywhere in the event tree, each cookie's value
// (its name stays), URL credentials, and secret pairs in query strings
// (request.query_string, URLs, form-encoded bodies) and in the free
// text the pages show (messages, exception values, breadcrumb messages
// and data, tag and header values).
func scrub(tree map[string]any) {
	scrubValue(tree, 0)
	for _, k := range []string{"logentry", "message"} {
		switch v := tree[k].(type) {
		case string:
			tree[k] = scrubText(v)
		case map[string]any:
			// Formatted first, while the parameters still line up with
			// the template's verbs.
			formatted, _ := message(map[string]any{k: v})
			v["formatted"] = scrubText(formatted)
			if t, ok := v["message"].(string); ok {
				v["message"] = scrubText(t)
			}
		}
	}
	exc := list(tree["exception"])
	if m := obj(tree["exception"]); m != nil {
		exc = list(m["values"])
	}
	for _, e := range exc {
		if m := obj(e); m != nil {
			if v, ok := m["value"].(string); ok {
				m["value"] = scrubText(v)
			}
		}
	}
	crumbs := list(tree["breadcrumbs"])
	if m := obj(tree["breadcrumbs"]); m != nil {
		crumbs = list(m["values"])
	}
	for _, c := range crumbs {
		if m := obj(c); m != nil {
			if v, ok := m["message"].(string); ok {
				m["message"] = scrubText(v)
			}
			scrubTextsDeep(m["data"], 0)
		}
	}
	scrubTexts(tree["tags"])
	req := obj(tree["request"])
	if req == nil {
		return
	}
	scrubTexts(req["headers"])
	if q, ok := req["query_string"].(string); ok {
		req["query_string"] = scrubQuery(q)
	}
	if u, ok := req["url"].(string); ok {
		req["url"] = scrubText(u)
		if base, q, found := strings.Cut(req["url"].(string), "?"); found {
			req["url"] = base + "?" + scrubQuery(q)
		}
	}
	if d, ok := req["data"].(string); ok {
		// A raw body: JSON is scrubbed as a tree, anything else as a
		// form.
		var body any
		if dec := json.NewDecoder(strings.NewReader(d)); dec.Decode(&body) == nil && (obj(body) != nil || list(body) != nil) {
			req["data"] = scrubValue(body, 1)
		} else if strings.Contains(d, "=") {
			req["data"] = scrubQuery(d)
		}
	}
}

// scrubTextsDeep applies scrubText to every string under v (breadcrumb
// data, kept whole as text), to maxScrubDepth.
func scrubTextsDeep(v any, depth int) {
	if depth > maxScrubDepth {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, y := range x {
			if s, ok := y.(string); ok {
				x[k] = scrubText(s)
			} else {
				scrubTextsDeep(y, depth+1)
			}
		}
	case []any:
		for i, y := range x {
			if s, ok := y.(string); ok {
				x[i] = scrubText(s)
			} else {
				scrubTextsDeep(y, depth+1)
			}
		}
	}
}

// scrubTexts applies scrubText to the string values of an object or a
// list of [key, value] pairs (one level: the keys were scrubbed before).
func scrubTexts(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, y := range x {
			if s, ok := y.(string); ok && !cookieKey[strings.ToLower(k)] {
				x[k] = scrubText(s)
			}
		}
	case []any:
		for _, p := range x {
			if kv, ok := p.([]any); ok && len(kv) == 2 {
				if s, ok := kv[1].(string); ok && !cookieKey[strings.ToLower(str(kv[0]))] {
					kv[1] = scrubText(s)
				}
			}
		}
	}
}

// scrubValue walks v and returns it scrubbed; lists of [key, value]
// pairs (tags, headers, query pairs as some SDKs send them) are scrubbed
// like objects. Anything nested deeper than maxScrubDepth (the ingest
// allows 32) is filtered whole rather than left unread.
func scrubValue(v any, depth int) any {
	switch x := v.(type) {
	case map[string]any:
		if depth > maxScrubDepth {
			return Filtered
		}
		for k, y := range x {
			if cookieKey[strings.ToLower(k)] {
				x[k] = scrubCookies(y)
				continue
			}
			if isSecretKey(k) {
				x[k] = Filtered
				continue
			}
			x[k] = scrubValue(y, depth+1)
		}
	case []any:
		if depth > maxScrubDepth {
			return Filtered
		}
		for i, y := range x {
			if kv, ok := y.([]any); ok && len(kv) == 2 {
				if k, ok := kv[0].(string); ok && cookieKey[strings.ToLower(k)] {
					kv[1] = scrubCookies(kv[1])
					continue
				}
				if k, ok := kv[0].(string); ok && isSecretKey(k) {
					kv[1] = Filtered
					continue
				}
			}
			x[i] = scrubValue(y, depth+1)
		}
	}
	return v
}

const maxScrubDepth = 64

// scrubQuery filters the secret pairs of a=b&c=d, leaving the others as
// they were written.
func scrubQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		uk, _ := url.QueryUnescape(k)
		if isSecretKey(k) || isSecretKey(uk) {
			parts[i] = k + "=" + Filtered
		}
	}
	return strings.Join(parts, "&")
}
