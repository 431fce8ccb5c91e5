package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/checks"
)

func TestDeriveVerdict(t *testing.T) {
	check := func(name string, critical bool, st checks.Status) checks.Result {
		return checks.Result{Check: name, Kind: "postgres", Critical: critical, Status: st, Reason: "timeout"}
	}
	for _, tc := range []struct {
		name    string
		in      verdictInput
		want    level
		reasons []string // substrings, in order
	}{
		{name: "nothing at all", want: levelOK},
		{
			name: "all up, Watchdog firing",
			in:   verdictInput{Checks: []checks.Result{check("db", true, checks.StatusUp)}, Firing: map[string]int{"none": 1}},
			want: levelOK,
		},
		{
			name: "pending critical check is not failing",
			in:   verdictInput{Checks: []checks.Result{check("db", true, checks.StatusPending)}},
			want: levelOK,
		},
		{
			name:    "failing critical check",
			in:      verdictInput{Checks: []checks.Result{check("db", true, checks.StatusDown)}},
			want:    levelDown,
			reasons: []string{"Critical postgres check db is failing (timeout)"},
		},
		{
			name:    "failing non-critical check",
			in:      verdictInput{Checks: []checks.Result{check("replica", false, checks.StatusDown)}},
			want:    levelDegraded,
			reasons: []string{"Non-critical postgres check replica is failing"},
		},
		{
			name:    "critical alert firing",
			in:      verdictInput{Firing: map[string]int{"critical": 2, "warning": 1}},
			want:    levelDown,
			reasons: []string{"2 critical alerts are firing", "1 warning alert is firing"},
		},
		{
			name:    "warning alert firing",
			in:      verdictInput{Firing: map[string]int{"warning": 1, "info": 3}},
			want:    levelDegraded,
			reasons: []string{"1 warning alert is firing"},
		},
		{
			name:    "target down",
			in:      verdictInput{DownTargets: []string{"node b:9100", "app a:8000", "x 1", "y 2"}},
			want:    levelDegraded,
			reasons: []string{"4 targets are down: app a:8000, node b:9100, x 1 and 1 more"},
		},
		{
			name:    "ward component down",
			in:      verdictInput{Components: []checks.ComponentHealth{{Name: "tsdb", Status: checks.StatusDown, Error: "no sample"}}},
			want:    levelDegraded,
			reasons: []string{"ward's tsdb is down: no sample"},
		},
		{
			name: "down reasons before degraded ones",
			in: verdictInput{
				Checks:      []checks.Result{check("replica", false, checks.StatusDown), check("db", true, checks.StatusDown)},
				DownTargets: []string{"app a"},
			},
			want:    levelDown,
			reasons: []string{"Critical postgres check db", "Non-critical postgres check replica", "1 target is down: app a"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := deriveVerdict(tc.in)
			if v.Level != tc.want {
				t.Errorf("level %s, want %s (reasons %q)", v.Level, tc.want, v.Reasons)
			}
			if len(v.Reasons) != len(tc.reasons) {
				t.Fatalf("reasons %q, want %d like %q", v.Reasons, len(tc.reasons), tc.reasons)
			}
			for i, want := range tc.reasons {
				if !strings.Contains(v.Reasons[i], want) {
					t.Errorf("reason %d = %q, want it to contain %q", i, v.Reasons[i], want)
				}
			}
		})
	}
}

// TestDeriveVerdictCapsReasons: many failures list maxReasons and a
// count of the rest.
func TestDeriveVerdictCapsReasons(t *testing.T) {
	var in verdictInput
	for i := range 15 {
		in.Checks = append(in.Checks, checks.Result{Check: fmt.Sprint("c", i), Kind: "tcp", Critical: true, Status: checks.StatusDown})
	}
	v := deriveVerdict(in)
	if len(v.Reasons) != maxReasons+1 || v.Reasons[maxReasons] != "and 5 more" {
		t.Errorf("reasons: %q", v.Reasons)
	}
}

func TestSetupSteps(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   WardStatus
		want bool
	}{
		{"ward and node only", WardStatus{Jobs: []string{"ward", "node"}}, true},
		{"an app job", WardStatus{Jobs: []string{"ward", "node", "app"}}, false},
		{"postgres_exporter", WardStatus{Jobs: []string{"ward", "postgres"}}, false},
		{"a check", WardStatus{Jobs: []string{"ward"}, CheckKinds: []string{"http"}}, false},
		{"slack", WardStatus{Jobs: []string{"ward"}, SlackReceivers: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := setupSteps(tc.st) != nil; got != tc.want {
				t.Errorf("panel shown = %v, want %v", got, tc.want)
			}
		})
	}
}
