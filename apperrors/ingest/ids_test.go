package ingest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestDuplicateKeys: a key given twice in one place is refused, even
// when both copies are right.
func TestDuplicateKeys(t *testing.T) {
	f := newFixture(t)
	for name, rec := range map[string]interface{ Result() *http.Response }{
		"query twice":  f.post("/api/1/store/?sentry_key="+key1+"&sentry_key="+key1b, testEvent),
		"query same":   f.post("/api/1/store/?sentry_key="+key1+"&sentry_key="+key1, testEvent),
		"header twice": f.post("/api/1/store/", testEvent, "X-Sentry-Auth", "Sentry sentry_key="+key1+", sentry_key="+wrong),
	} {
		if got := rec.Result().StatusCode; got != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, got)
		}
	}
	if n := len(f.acc.all()); n != 0 {
		t.Errorf("%d batches accepted", n)
	}
}

// TestAnswerID: the answer's id is the id the stored event carries:
// the SDK's normalised, the envelope header's, or a new one written into
// the event; never raw input.
func TestAnswerID(t *testing.T) {
	const want = "9ec79c33ec9942ab8353589fcb2e04dc"
	for _, tc := range []struct {
		name, path, body string
		id               string // "" for a new one
	}{
		{"store uuid", "/api/1/store/", `{"event_id":"9EC79C33-EC99-42AB-8353-589FCB2E04DC","message":"x"}`, want},
		{"store bad", "/api/1/store/", `{"event_id":"<script>","message":"x"}`, ""},
		{"store none", "/api/1/store/", `{"message":"x"}`, ""},
		{"store number", "/api/1/store/", `{"event_id":12,"message":"x"}`, ""},
		{"envelope header", "/api/1/envelope/", `{"event_id":"` + want + `"}` + "\n" + `{"type":"event"}` + "\n" + `{"message":"x"}`, want},
		{"envelope bad both", "/api/1/envelope/", `{"event_id":"zz"}` + "\n" + `{"type":"event"}` + "\n" + `{"event_id":"zz","message":"x"}`, ""},
	} {
		f := newFixture(t)
		rec := f.post(tc.path, tc.body, "X-Sentry-Auth", auth(key1))
		var ans struct{ ID string }
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &ans) != nil {
			t.Fatalf("%s: %d %s", tc.name, rec.Code, rec.Body)
		}
		if _, ok := normalID(ans.ID); !ok || ans.ID != strings.ToLower(ans.ID) || (tc.id != "" && ans.ID != tc.id) {
			t.Errorf("%s: answered id %q, want %q", tc.name, ans.ID, tc.id)
		}
		bs := f.acc.all()
		if len(bs) != 1 || len(bs[0].events) != 1 {
			t.Fatalf("%s: batches %v", tc.name, bs)
		}
		stored, ok := normalID(envelopeEventID(json.RawMessage(bs[0].events[0])))
		if !ok || stored != ans.ID {
			t.Errorf("%s: stored event_id %q, answered %q", tc.name, stored, ans.ID)
		}
	}
}
