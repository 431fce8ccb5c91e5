package alerting

import (
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/storage"
)

// TestDeliveryJSON pins what GET /api/ward/deliveries lists for an
// attempt: the same JSON storage.Delivery produced when it was the API's
// type, whatever storage does with its own from now on.
func TestDeliveryJSON(t *testing.T) {
	d := Delivery{
		Time: time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC), Receiver: "ops", Integration: "email[0]",
		GroupKey: `{}:{alertname="X"}`, Alerts: 2, Resolved: true, Status: "retry", Error: "dial: refused",
		Duration: 1500 * time.Millisecond,
	}
	const want = `{"time":"2026-03-01T12:00:00.000000005Z","receiver":"ops","integration":"email[0]",` +
		`"groupKey":"{}:{alertname=\"X\"}","alerts":2,"resolved":true,"status":"retry","error":"dial: refused",` +
		`"durationNanos":1500000000}`
	cases := []struct {
		name string
		d    Delivery
		want string
	}{
		{"failed", d, want},
		{"success", Delivery{Time: d.Time, Receiver: "ops", Integration: "webhook[0]", Status: "success"},
			`{"time":"2026-03-01T12:00:00.000000005Z","receiver":"ops","integration":"webhook[0]","groupKey":"",` +
				`"alerts":0,"resolved":false,"status":"success","durationNanos":0}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.Marshal(c.d)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("JSON\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestHistoryKeepsDeliveries: an attempt goes into the state database and
// comes back out of Deliveries as it went in, newest first, by receiver.
func TestHistoryKeepsDeliveries(t *testing.T) {
	st, err := storage.OpenState(filepath.Join(t.TempDir(), "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := newHistory(st, nil, slog.New(slog.DiscardHandler))
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	in := []Delivery{
		{Time: t0, Receiver: "ops", Integration: "email[0]", GroupKey: "g", Alerts: 1, Status: "failed", Error: "boom", Duration: time.Second},
		{Time: t0.Add(time.Minute), Receiver: "dev", Integration: "webhook[0]", Status: "success"},
		{Time: t0.Add(2 * time.Minute), Receiver: "ops", Integration: "email[0]", Alerts: 3, Resolved: true, Status: "success"},
	}
	for _, d := range in {
		if err := st.AddDelivery(d.stored(), historyKeep); err != nil {
			t.Fatal(err)
		}
	}
	got, err := h.deliveries("ops", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != in[2] || got[1] != in[0] {
		t.Fatalf("ops deliveries\n got %+v\nwant %+v", got, []Delivery{in[2], in[0]})
	}
	if all, _ := h.deliveries("", 2); len(all) != 2 || all[0] != in[2] || all[1] != in[1] {
		t.Fatalf("last two deliveries: %+v", all)
	}
	if none, err := newHistory(nil, nil, nil).deliveries("", 10); err != nil || none != nil {
		t.Fatalf("without a store: %v %v", none, err)
	}
}
