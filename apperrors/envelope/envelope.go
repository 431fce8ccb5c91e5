// Package envelope parses what Sentry SDKs send: envelopes (the
// newline-delimited format of POST /api/{project}/envelope/) and the
// legacy store body (one event's JSON, POST /api/{project}/store/),
// after undoing their Content-Encoding. Every limit is a named constant;
// every refusal is an *Error carrying the HTTP status to answer and a
// reason naming the offending item or field.
//
// Format (develop.sentry.dev/sdk/envelopes): an envelope header line
// (JSON: event_id, dsn, sdk, sent_at), then per item a header line (JSON
// with type and an optional length) and the payload: exactly length
// bytes when length is given, else the rest of the line. A newline
// follows each payload unless the envelope ends there.
package envelope

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Limits of one request, all after decompression.
const (
	// MaxEventBytes bounds one event item (and a store body): Sentry's
	// own limit is 1 MB decompressed per event.
	MaxEventBytes = 1 << 20
	// MaxRequestBytes bounds a whole decompressed request.
	MaxRequestBytes = 2 << 20
	// MaxItems bounds the items of one envelope.
	MaxItems = 100
	// MaxDepth bounds the nesting of objects and arrays in an event.
	MaxDepth = 32
	// MaxHeaderBytes bounds an envelope or item header line: SDKs send
	// a few hundred bytes.
	MaxHeaderBytes = 16 << 10
)

// Error is a refused request: Status is the HTTP status to answer (400,
// 413 or 415) and Reason says why, naming the item or field.
type Error struct {
	Status int
	Reason string
}

func (e *Error) Error() string { return "envelope: " + e.Reason }

func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Reason: fmt.Sprintf(format, args...)}
}

func tooLarge(format string, args ...any) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Reason: fmt.Sprintf(format, args...)}
}

// Header is an envelope's header.
type Header struct {
	EventID string `json:"event_id,omitempty"`
	// DSN is the client's DSN; it can carry the key and project.
	DSN    string `json:"dsn,omitempty"`
	SentAt string `json:"sent_at,omitempty"`
	SDK    struct {
		Name    string `json:"name,omitempty"`
		Version string `json:"version,omitempty"`
	} `json:"sdk"`
}

// Item is one item of an envelope; Payload aliases the parsed body.
type Item struct {
	Type    string
	Payload []byte
}

// Envelope is a parsed envelope.
type Envelope struct {
	Header Header
	Items  []Item
}

// itemHeader is what the parser reads of an item header.
type itemHeader struct {
	Type   *string         `json:"type"`
	Length json.RawMessage `json:"length"`
}

// Parse parses a decompressed envelope. Event items are checked as
// events (CheckEvent); other items' payloads are not looked into.
func Parse(body []byte) (*Envelope, error) {
	if len(body) > MaxRequestBytes {
		return nil, tooLarge("request of %d bytes exceeds %d bytes", len(body), MaxRequestBytes)
	}
	line, rest := cutLine(body)
	if len(line) > MaxHeaderBytes {
		return nil, tooLarge("envelope header of %d bytes exceeds %d bytes", len(line), MaxHeaderBytes)
	}
	env := &Envelope{}
	if err := decodeHeader(line, &env.Header); err != nil {
		return nil, badRequest("envelope header: %v", err)
	}
	for n := 1; len(rest) > 0; n++ {
		if n > MaxItems {
			return nil, tooLarge("more than %d items", MaxItems)
		}
		var it Item
		var err error
		it, rest, err = parseItem(n, rest)
		if err != nil {
			return nil, err
		}
		env.Items = append(env.Items, it)
	}
	return env, nil
}

// parseItem parses item n (counted from 1) at the start of b and returns
// it with what follows it.
func parseItem(n int, b []byte) (Item, []byte, error) {
	line, rest := cutLine(b)
	if len(line) > MaxHeaderBytes {
		return Item{}, nil, tooLarge("item %d: header of %d bytes exceeds %d bytes", n, len(line), MaxHeaderBytes)
	}
	var h itemHeader
	if err := decodeHeader(line, &h); err != nil {
		return Item{}, nil, badRequest("item %d: header: %v", n, err)
	}
	if h.Type == nil || *h.Type == "" {
		return Item{}, nil, badRequest("item %d: header has no type", n)
	}
	it := Item{Type: *h.Type}
	if h.Length == nil {
		it.Payload, rest = cutLine(rest)
	} else {
		length, err := strconv.ParseInt(string(h.Length), 10, 64)
		switch {
		case err != nil || length < 0:
			return Item{}, nil, badRequest("item %d: length %.20s is not a byte count", n, h.Length)
		case length > int64(len(rest)):
			return Item{}, nil, badRequest("item %d: length %d exceeds the remaining %d bytes", n, length, len(rest))
		}
		it.Payload, rest = rest[:length], rest[length:]
		switch {
		case len(rest) == 0:
		case rest[0] == '\n':
			rest = rest[1:]
		default:
			return Item{}, nil, badRequest("item %d: length %d ends inside the payload (no newline after it)", n, length)
		}
	}
	if it.Type == "event" {
		if err := CheckEvent(it.Payload); err != nil {
			err.Reason = fmt.Sprintf("item %d: %s", n, err.Reason)
			return Item{}, nil, err
		}
	}
	return it, rest, nil
}

// ParseStore checks a decompressed legacy store body: one event.
func ParseStore(body []byte) ([]byte, error) {
	if err := CheckEvent(body); err != nil {
		return nil, err
	}
	return body, nil
}

// CheckEvent checks that payload is one event: a JSON object of at
// most MaxEventBytes nested at most MaxDepth deep.
func CheckEvent(payload []byte) *Error {
	if len(payload) > MaxEventBytes {
		return tooLarge("event of %d bytes exceeds %d bytes", len(payload), MaxEventBytes)
	}
	if err := checkDepth(payload, MaxDepth); err != nil {
		return badRequest("event: %v", err)
	}
	if t := bytes.TrimLeft(payload, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return badRequest("event: want a JSON object")
	}
	if !json.Valid(payload) {
		return badRequest("event: %v", syntaxError(payload))
	}
	return nil
}

// EventID returns an event's event_id ("" when it has none).
func EventID(event []byte) string {
	var e struct {
		EventID string `json:"event_id"`
	}
	if json.Unmarshal(event, &e) != nil {
		return ""
	}
	return e.EventID
}

// decodeHeader decodes a header line into v: a JSON object.
func decodeHeader(line []byte, v any) error {
	if err := checkDepth(line, MaxDepth); err != nil {
		return err
	}
	if t := bytes.TrimLeft(line, " \t\r"); len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("want a JSON object")
	}
	if err := json.Unmarshal(line, v); err != nil {
		return fmt.Errorf("not JSON of the right shape: %w", err)
	}
	return nil
}

// cutLine splits b at its first newline, which belongs to neither part.
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// syntaxError says where payload stops being JSON.
func syntaxError(payload []byte) error {
	var v struct{}
	err := json.Unmarshal(payload, &v)
	if err == nil {
		return fmt.Errorf("not JSON")
	}
	return err
}
