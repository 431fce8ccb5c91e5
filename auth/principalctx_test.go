package auth

import (
	"context"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
)

// TestAuditRecord: a record names whoever the context's request is from,
// and ward itself when no request is behind it.
func TestAuditRecord(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ada := &Principal{User: User{Name: "ada", Role: RoleAdmin}, IP: "192.0.2.7"}
	details := map[string]string{"status": "200"}
	for _, tc := range []struct {
		name      string
		ctx       context.Context
		actor, ip string
	}{
		{"a request", WithPrincipal(context.Background(), ada), "ada", "192.0.2.7"},
		{"a token", WithPrincipal(context.Background(), &Principal{User: User{Name: TokenActor("grafana")}, IP: "198.51.100.1"}), "token:grafana", "198.51.100.1"},
		{"no request", context.Background(), SystemActor, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := AuditRecord(tc.ctx, at, audit.ActionConfigReload, "/etc/ward/ward.yml", audit.Failure, details)
			want := audit.Record{Time: at, Actor: tc.actor, ActorIP: tc.ip, Action: audit.ActionConfigReload,
				Target: "/etc/ward/ward.yml", Outcome: audit.Failure, Details: details}
			if got.Time != want.Time || got.Actor != want.Actor || got.ActorIP != want.ActorIP || got.Action != want.Action ||
				got.Target != want.Target || got.Outcome != want.Outcome || got.Details["status"] != "200" {
				t.Errorf("record %+v, want %+v", got, want)
			}
		})
	}
	if PrincipalFrom(WithPrincipal(context.Background(), ada)) != ada || PrincipalFrom(context.Background()) != nil {
		t.Error("PrincipalFrom does not return what WithPrincipal stored, or nil without it")
	}
}
