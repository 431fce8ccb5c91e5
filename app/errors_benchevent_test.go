package app

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// benchWords are the vocabulary of the bench events' variable text, so
// that they compress about as well as real events (a few times, not the
// hundredfold of repeated padding).
var benchWords = strings.Fields(`order item cart user session total price tax discount coupon shipping
address payment card invoice refund stock warehouse customer account profile token view model query
cursor timeout retry redis postgres celery worker task queue template render context settings debug
None True False self request response status header cookie json dict list tuple int str float`)

// benchText is n bytes of words and numbers from r.
func benchText(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(benchWords[r.IntN(len(benchWords))])
		if r.IntN(4) == 0 {
			b.WriteString("=" + strconv.Itoa(r.IntN(1_000_000)))
		}
		b.WriteByte(' ')
	}
	return b.String()
}

// djangoEnvelope is one Django-like error event of about size bytes of
// JSON (a 30-frame stack with source context and local variables, 100
// breadcrumbs of SQL, the request, the user, tags and extra) in a Sentry
// envelope, gzipped as the SDK sends it. Events with the same issue share
// their in-app frames (one issue); fp, when set, is the SDK fingerprint.
func djangoEnvelope(dsn string, issue, seq, size int, fp []string) (body []byte, eventID string) {
	r := rand.New(rand.NewPCG(uint64(seq), 16))
	eventID = fmt.Sprintf("%032x", uint64(seq)+1<<40)
	frames := make([]any, 0, 30)
	for i := range 30 {
		inApp := i >= 22
		module, fn := fmt.Sprintf("django.core.handlers.m%d", i), fmt.Sprintf("inner_%d", i)
		if inApp {
			module, fn = fmt.Sprintf("shop.views.part%d", i%4), fmt.Sprintf("handle_%d_%d", issue, i)
		}
		frames = append(frames, map[string]any{
			"module": module, "function": fn, "filename": strings.ReplaceAll(module, ".", "/") + ".py",
			"abs_path": "/srv/app/" + strings.ReplaceAll(module, ".", "/") + ".py", "lineno": 40 + i, "in_app": inApp,
			"context_line": "        response = " + fn + "(request, *args, **kwargs)",
			"pre_context":  []any{"    def " + fn + "(self, request):", "        " + benchText(r, 40), "        " + benchText(r, 40)},
			"post_context": []any{"        return response", ""},
			"vars": map[string]any{"request": "<WSGIRequest: POST '/checkout/'>", "self": fmt.Sprintf("<%s object at 0x7f%08x>", fn, r.Uint32()),
				"kwargs": map[string]any{"order_id": seq}, "locals": benchText(r, 200)},
		})
	}
	crumbs := make([]any, 0, 100)
	for i := range 100 {
		crumbs = append(crumbs, map[string]any{"timestamp": 1777888798.5 + float64(i)/10, "type": "default", "category": "query",
			"message": fmt.Sprintf("SELECT \"shop_order\".\"id\", \"shop_order\".\"total\" FROM \"shop_order\" WHERE \"shop_order\".\"id\" = %d", r.IntN(1_000_000))})
	}
	ev := map[string]any{
		"event_id": eventID, "timestamp": 1777888798.25, "platform": "python", "level": "error", "logger": "django.request",
		"environment": "production", "release": "shop@3." + strconv.Itoa(seq%3), "server_name": "web-" + strconv.Itoa(seq%4),
		"transaction": "/checkout/",
		"exception": map[string]any{"values": []any{map[string]any{"type": "ValueError", "value": fmt.Sprintf("invalid literal for int() with base 10: '%d'", seq),
			"module": "builtins", "stacktrace": map[string]any{"frames": frames}}}},
		"breadcrumbs": map[string]any{"values": crumbs},
		"user":        map[string]any{"id": strconv.Itoa(seq % 997), "email": fmt.Sprintf("customer%d@example.com", seq%997), "ip_address": fmt.Sprintf("198.51.100.%d", seq%250)},
		"request": map[string]any{"method": "POST", "url": "https://shop.example.com/checkout/", "query_string": "step=2",
			"headers": map[string]any{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)", "Cookie": "sessionid=" + benchText(r, 20), "Accept-Language": "en"},
			"data":    map[string]any{"card": "visa", "csrfmiddlewaretoken": benchText(r, 30), "quantity": "2"}},
		"tags":     map[string]any{"url": "/checkout/", "browser": "Firefox 140"},
		"contexts": map[string]any{"runtime": map[string]any{"name": "CPython", "version": "3.12.3"}, "os": map[string]any{"name": "Linux"}},
		"sdk":      map[string]any{"name": "sentry.python.django", "version": "2.19.0"},
	}
	if fp != nil {
		ev["fingerprint"] = fp
	}
	js, _ := json.Marshal(ev)
	if pad := size - len(js); pad > 0 {
		ev["extra"] = map[string]any{"sys.argv": []any{"gunicorn", "shop.wsgi"}, "settings": benchText(r, pad-60)}
		js, _ = json.Marshal(ev)
	}
	var raw bytes.Buffer
	fmt.Fprintf(&raw, "{\"event_id\":%q,\"dsn\":%q,\"sent_at\":\"2026-05-04T10:00:00Z\"}\n", eventID, dsn)
	fmt.Fprintf(&raw, "{\"type\":\"event\",\"length\":%d}\n", len(js))
	raw.Write(js)
	raw.WriteByte('\n')
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, _ = zw.Write(raw.Bytes())
	_ = zw.Close()
	return z.Bytes(), eventID
}
