package envelope

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// benchEnvelope is an envelope of one event of about size bytes, shaped
// like a Python SDK's: frames with source context and breadcrumbs.
func benchEnvelope(size int) []byte {
	var ev strings.Builder
	ev.WriteString(`{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","level":"error","platform":"python","exception":{"values":[{"type":"ValueError","value":"boom","stacktrace":{"frames":[`)
	for i := 0; ev.Len() < size-200; i++ {
		if i > 0 {
			ev.WriteString(",")
		}
		fmt.Fprintf(&ev, `{"module":"shop.views","function":"checkout_%d","lineno":%d,"in_app":true,"context_line":"    total = sum(item.price for item in cart)","pre_context":["def checkout(request):","    cart = request.cart"],"vars":{"request":"<WSGIRequest: POST '/checkout/'>","n":%d}}`, i, i, i)
	}
	ev.WriteString(`]}}]}}`)
	return []byte(fmt.Sprintf("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\",\"length\":%d}\n%s\n", ev.Len(), ev.String()))
}

// BenchmarkParseEnvelope: parsing (depth walk and syntax check) of a
// 50 KB event envelope, as sent and gzipped.
func BenchmarkParseEnvelope(b *testing.B) {
	body := benchEnvelope(50 << 10)
	b.Run("plain", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := Parse(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	gz := compress(b, "gzip", body)
	b.Run("gzip", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			raw, err := Decode(bytes.NewReader(gz), "gzip")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Parse(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
