package main

import (
	"slices"
	"testing"
)

func TestMessageIDs(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"Alertmanager title", `{"attachments":[{"title":"[FIRING:1] BenchValueHigh (benchid007 bench)"}]}`, []string{"benchid007"}},
		{"repeated in blocks and links", `{"text":"benchid012","blocks":[{"text":"bench_id: benchid012"},{"url":"http://x/?bench_id%3Dbenchid012"}]}`, []string{"benchid012"}},
		{"two alerts", `benchid001 benchid002 benchid001`, []string{"benchid001", "benchid002"}},
		{"no bench alert (Watchdog)", `{"text":"Watchdog"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := messageIDs([]byte(tt.body)); !slices.Equal(got, tt.want) {
				t.Errorf("messageIDs = %q, want %q", got, tt.want)
			}
		})
	}
}
