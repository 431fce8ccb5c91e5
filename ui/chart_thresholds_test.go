package ui

import (
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

// TestThresholdsJSONSkipsNonFinite: a threshold at ±Inf or NaN cannot be
// drawn or encoded; it is left out and the panel's finite lines stay
// (before, json.Marshal failed and every line of the panel vanished).
func TestThresholdsJSONSkipsNonFinite(t *testing.T) {
	c := chartSpec{Thresholds: []chartThreshold{
		{Value: 0.8, Op: ">", Rule: "Finite"},
		{Value: math.Inf(1), Op: "<", Rule: "Infinite"},
		{Value: math.NaN(), Op: "!=", Rule: "NotANumber"},
		{Value: math.Inf(-1), Op: ">", Rule: "MinusInfinite"},
	}}
	got := c.thresholdsJSON()
	if want := `[{"value":0.8,"op":"\u003e","rule":"Finite"}]`; got != want {
		t.Errorf("data-thresholds = %s, want %s", got, want)
	}
	if got := (chartSpec{}).thresholdsJSON(); got != "[]" {
		t.Errorf("no thresholds: %q, want []", got)
	}
}

// TestOverviewProblemsIgnoresRange: the "not OK only" view shows no
// charts, so a bad range= there is not an error; with charts it is.
func TestOverviewProblemsIgnoresRange(t *testing.T) {
	s, base := startServer(t, discardLogger())
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	if resp, _ := doAs(t, "GET", base+"/?problems=1&range=bogus", "", viewer); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /?problems=1&range=bogus: %d, want 200", resp.StatusCode)
	}
	resp, body := doAs(t, "GET", base+"/?range=bogus", "", viewer)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "is not one of 15m") {
		t.Errorf("GET /?range=bogus: %d, want 400 naming the field: %.300s", resp.StatusCode, body)
	}
}
