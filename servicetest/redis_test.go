package servicetest

import (
	"strings"
	"testing"
)

func TestRedisStartStop(t *testing.T) {
	r := StartRedis(t, RedisOptions{Password: "pw", MaxMemory: "64mb"})
	if err := redisAnswers(r.Addr); err != nil {
		t.Fatal(err)
	}
	r.Stop()
	if err := redisAnswers(r.Addr); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("after Stop: %v, want connection refused", err)
	}
}
