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
// data, frame variables, headers, query strings.
var secretKey = regexp.MustCompile(`(?i)pass|secret|token|session|csrf|api_?key|api-key`)

// secretHeader are keys scrubbed whatever their name says: cookies and
// credentials.
var secretHeader = map[string]bool{
	"cookie": true, "cookies": true, "set-cookie": true,
	"authorization": true, "proxy-authorization": true,
}

func isSecretKey(k string) bool {
	return secretHeader[strings.ToLower(k)] || secretKey.MatchString(k)
}

// scrub replaces, in place and before anything is stored, every value
// under a secret key anywhere in the event tree, the request's cookies,
// and secret pairs of its query strings (request.query_string, the
// url's query, form-encoded bodies).
func scrub(tree map[string]any) {
	scrubValue(tree, 0)
	req := obj(tree["request"])
	if req == nil {
		return
	}
	if c, ok := req["cookies"]; ok && c != nil {
		req["cookies"] = Filtered
	}
	if q, ok := req["query_string"].(string); ok {
		req["query_string"] = scrubQuery(q)
	}
	if u, ok := req["url"].(string); ok {
		if base, q, found := strings.Cut(u, "?"); found {
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
