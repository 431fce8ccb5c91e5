package envelope

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzParseEnvelope: no input panics the parser; a refusal is always
// an *Error with a 4xx status; an accepted envelope stays within every
// limit and its event items are JSON objects within the depth.
func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte("{}\n{\"type\":\"event\",\"length\":2}\n{}\n"))
	f.Add([]byte("{\"dsn\":\"https://k@h/1\"}\n{\"type\":\"event\"}\n" + event + "\n{\"type\":\"session\"}\n{}"))
	f.Add([]byte("{}\n{\"type\":\"attachment\",\"length\":3}\na\nb"))
	f.Add([]byte("{}\n{\"type\":\"event\",\"length\":5000}\n{}"))
	f.Add([]byte("{}\n{\"type\":\"event\"}\n" + strings.Repeat("[", 40)))
	f.Add([]byte(`{"a":"\"[[[["}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := Parse(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || e.Reason == "" {
				t.Fatalf("err = %#v, want an *Error with a 4xx", err)
			}
			return
		}
		if len(env.Items) > MaxItems {
			t.Fatalf("%d items", len(env.Items))
		}
		total := 0
		for _, it := range env.Items {
			total += len(it.Payload)
			if !bytes.Contains(data, it.Payload) {
				t.Fatalf("payload %q not from the input", it.Payload)
			}
			if it.Type == "event" && CheckEvent(it.Payload) != nil {
				t.Fatalf("event item accepted that CheckEvent refuses: %q", it.Payload)
			}
		}
		if total > len(data) {
			t.Fatalf("payloads of %d bytes from %d", total, len(data))
		}
	})
}
