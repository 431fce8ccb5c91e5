package checks

import (
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/servicetest"
)

func TestRedis(t *testing.T) {
	const password = "ward-redis-secret-2b7e"
	rd := servicetest.StartRedis(t, servicetest.RedisOptions{Password: password, MaxMemory: "64mb"})
	open := servicetest.StartRedis(t, servicetest.RedisOptions{})
	down := servicetest.StartRedis(t, servicetest.RedisOptions{})
	down.Stop()
	t.Setenv("WARD_TEST_REDIS_PASSWORD", password)
	t.Setenv("WARD_TEST_REDIS_WRONG", "not-the-password")

	tests := []struct {
		name   string
		yaml   string
		status Status
		reason string
		detail string
	}{
		{name: "up", yaml: "address: " + rd.Addr + "\n    password_env: WARD_TEST_REDIS_PASSWORD",
			status: StatusUp, detail: "master"},
		{name: "up without a password", yaml: "address: " + open.Addr + "\n    db: 3",
			status: StatusUp, detail: "no maxmemory"},
		{name: "wrong password", yaml: "address: " + rd.Addr + "\n    password_env: WARD_TEST_REDIS_WRONG",
			status: StatusDown, reason: ReasonAuth},
		{name: "password missing", yaml: "address: " + rd.Addr,
			status: StatusDown, reason: ReasonAuth},
		{name: "password variable unset", yaml: "address: " + rd.Addr + "\n    password_env: WARD_TEST_UNSET_VARIABLE",
			status: StatusDown, reason: ReasonConfig},
		{name: "down", yaml: "address: " + down.Addr, status: StatusDown, reason: ReasonNetwork},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := probeOnce(t, loadCheck(t, "  - name: cache\n    kind: redis\n    "+tt.yaml+"\n"))
			t.Logf("%s %s: error %q, details %q", o.result.Status, o.result.Reason, o.result.Error, o.result.Details)
			wantResult(t, o, tt.status, tt.reason)
			if !strings.Contains(o.result.Details, tt.detail) {
				t.Errorf("details %q lack %q", o.result.Details, tt.detail)
			}
			if strings.Contains(o.result.Error+o.result.Details, password) {
				t.Errorf("result shows the password: %+v", o.result)
			}
		})
	}

	t.Run("memory and clients", func(t *testing.T) {
		o := probeOnce(t, loadCheck(t, "  - name: cache\n    kind: redis\n    address: "+rd.Addr+
			"\n    password_env: WARD_TEST_REDIS_PASSWORD\n"))
		if max, _ := gaugeValue(o, "ward_check_redis_memory_max_bytes"); max != 64<<20 {
			t.Errorf("maxmemory %v, want 64 MiB", max)
		}
		if ratio, ok := gaugeValue(o, "ward_check_redis_memory_used_ratio"); !ok || ratio <= 0 || ratio >= 1 {
			t.Errorf("memory used ratio %v (reported %v), want in (0, 1)", ratio, ok)
		}
		if n, ok := gaugeValue(o, "ward_check_redis_connected_clients"); !ok || n < 1 {
			t.Errorf("connected clients %v (reported %v), want at least this check", n, ok)
		}
		if _, ok := gaugeValue(o, "ward_check_redis_info", "role", "master"); !ok {
			t.Error("no ward_check_redis_info{role=master}")
		}
	})
}
