package email

import (
	"bytes"
	"testing"
	"time"
)

func TestNewMessageHeaders(t *testing.T) {
	r := rendered{
		from:    "ward@example.com",
		to:      "a@example.com, B <b@example.com>",
		subject: "Grüße from ward", // non-ASCII must be encoded
		text:    "plain",
		html:    "<p>html</p>",
		headers: map[string]string{
			"Message-Id":   "<fixed@ward>",
			"Content-Type": "text/plain", // would break the multipart body
			"X-Priority":   "1",
		},
	}
	m, err := newMessage(r, thread{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	p := parseMail(t, buf.Bytes()) // fails unless the body is multipart/alternative

	if got := p.header["Message-Id"]; len(got) != 1 || got[0] != "<fixed@ward>" {
		t.Errorf("Message-ID headers %q, want exactly the configured one", got)
	}
	if p.subject != r.subject {
		t.Errorf("subject %q, want %q", p.subject, r.subject)
	}
	if p.header.Get("X-Priority") != "1" {
		t.Errorf("X-Priority %q", p.header.Get("X-Priority"))
	}
	if p.parts["text/plain"] != "plain" || p.parts["text/html"] != "<p>html</p>" {
		t.Errorf("parts %q", p.parts)
	}
	to, err := p.header.AddressList("To")
	if err != nil || len(to) != 2 {
		t.Errorf("To %v (%v), want two addresses", to, err)
	}
}
