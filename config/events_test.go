package config

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestEventsSection(t *testing.T) {
	example, err := LoadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The example documents the defaults; they must be the defaults.
	if example.Events != DefaultEvents() {
		t.Errorf("example events section %+v differs from DefaultEvents %+v", example.Events, DefaultEvents())
	}
	empty, err := Load(nil, "empty.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if empty.Events != DefaultEvents() || time.Duration(empty.Events.Retention) != 30*24*time.Hour {
		t.Errorf("no events section: %+v, want 30d", empty.Events)
	}
	set, err := Load([]byte("events:\n  retention: 7d\n"), "set.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if set.Events.Retention != model.Duration(7*24*time.Hour) {
		t.Errorf("retention = %v, want 7d", set.Events.Retention)
	}
	if s := set.String(); !strings.Contains(s, "events:\n  retention: 1w") {
		t.Errorf("printed config lacks the events section:\n%s", s)
	}
	for _, tc := range []struct {
		retention time.Duration
		ok        bool
	}{
		{time.Hour, true}, {400 * 24 * time.Hour, true},
		{59 * time.Minute, false}, {401 * 24 * time.Hour, false}, {0, false},
	} {
		got := Events{Retention: model.Duration(tc.retention)}.Validate()
		if (len(got) == 0) != tc.ok {
			t.Errorf("retention %v: problems %q, want ok=%v", tc.retention, got, tc.ok)
		}
		if !tc.ok && (len(got) != 1 || !strings.HasPrefix(got[0], "events.retention: must be between 1h and 400d")) {
			t.Errorf("retention %v: %q", tc.retention, got)
		}
	}
}
