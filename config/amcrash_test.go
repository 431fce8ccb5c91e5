package config

import (
	"strings"
	"testing"
)

// TestAlertingNullRouteIsAnError: an empty entry under routes crashed
// Alertmanager's loader (a nil route); it is an error with its position.
func TestAlertingNullRouteIsAnError(t *testing.T) {
	_, err := Load([]byte("storage: {path: ./d}\nalerting:\n route:\n    receiver: 0\n    routes:\n    -\n"), "x.yaml")
	if err == nil || !strings.Contains(err.Error(), "x.yaml:6:") || !strings.Contains(err.Error(), "alerting.route.routes[0]: want a route") {
		t.Fatalf("err = %v", err)
	}
}
