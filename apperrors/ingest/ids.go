package ingest

import (
	"encoding/json"
	"regexp"
	"strings"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// normalID is s as error tracking stores an event id (32 lower-case hex
// digits; a UUID's dashes and upper case are undone), and whether it is
// one.
func normalID(s string) (string, bool) {
	if len(s) > 36 {
		return "", false
	}
	s = strings.ToLower(strings.ReplaceAll(s, "-", ""))
	return s, hex32.MatchString(s)
}

// withEventID returns event with a valid event_id and that id, which
// error tracking then stores (apperrors' normalise keeps a valid id):
// the event's own, else fallback (the envelope header's) when valid,
// else a new one, written into the event. The answer names it, so it
// never echoes an SDK's input unchecked.
func withEventID(event json.RawMessage, fallback string) (json.RawMessage, string) {
	if id, ok := normalID(envelopeEventID(event)); ok {
		return event, id
	}
	id, ok := normalID(fallback)
	if !ok {
		id = newEventID()
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(event, &fields) != nil || fields == nil {
		return event, id // the service refuses it; nothing is stored
	}
	fields["event_id"], _ = json.Marshal(id)
	out, err := json.Marshal(fields)
	if err != nil {
		return event, id
	}
	return out, id
}

// envelopeEventID is an event's event_id when it is a string.
func envelopeEventID(event json.RawMessage) string {
	var e struct {
		EventID any `json:"event_id"`
	}
	if json.Unmarshal(event, &e) != nil {
		return ""
	}
	s, _ := e.EventID.(string)
	return s
}
