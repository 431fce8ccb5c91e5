package checks

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/secret"
)

// redisProber sends PING and INFO over a fresh connection and reports role,
// memory use against maxmemory and connected clients.
type redisProber struct {
	cfg  config.Check
	spec *config.RedisCheck
}

var _ prober = (*redisProber)(nil)

// redisReasons are the failure reasons a Redis check reports.
var redisReasons = []string{ReasonTimeout, ReasonNetwork, ReasonTLS, ReasonAuth, ReasonConfig, ReasonError}

func newRedisProber(cfg config.Check) (prober, error) {
	spec, err := specOf[*config.RedisCheck](cfg)
	if err != nil {
		return nil, err
	}
	return &redisProber{cfg: cfg, spec: spec}, nil
}

func (p *redisProber) probe(ctx context.Context, r *report) error {
	pw, err := secret.Read(p.spec.PasswordEnv, p.spec.PasswordFile)
	if err != nil {
		return fail(ReasonConfig, fmt.Errorf("password: %w", err))
	}
	r.secret(pw)
	timeout := time.Duration(p.cfg.Timeout)
	opts := &redis.Options{
		Addr:     p.spec.Address,
		Username: p.spec.Username,
		Password: string(pw),
		DB:       p.spec.DB,
		// RESP2 and no CLIENT SETINFO: the fewest round trips, and what
		// proxies and old servers understand.
		Protocol:              2,
		DisableIdentity:       true,
		DialTimeout:           timeout,
		ReadTimeout:           timeout,
		WriteTimeout:          timeout,
		ContextTimeoutEnabled: true,
		PoolSize:              1,
		MaxRetries:            -1,
		DialerRetries:         1,
	}
	if p.spec.TLS {
		host, _, _ := net.SplitHostPort(p.spec.Address)
		if opts.TLSConfig, err = tlsConfig(p.spec.TLSConfig, host); err != nil {
			return err
		}
	}
	// go-redis has only a process-wide logger, which would print the
	// dial errors this probe returns anyway to stderr; storing it is
	// atomic and idempotent.
	redis.SetLogger(quietRedisLog{})
	client := redis.NewClient(opts)
	defer client.Close()

	if err := client.Ping(ctx).Err(); err != nil {
		return redisError("PING", err)
	}
	info, err := client.Info(ctx).Result()
	if err != nil {
		return redisError("INFO", err)
	}
	f := parseRedisInfo(info)
	role := f["role"]
	r.gauge("ward_check_redis_info", 1, "role", role, "version", f["redis_version"])
	r.detail("Redis %s", f["redis_version"])
	r.detail("%s", role)
	used, _ := strconv.ParseFloat(f["used_memory"], 64)
	maxmem, _ := strconv.ParseFloat(f["maxmemory"], 64)
	r.gauge("ward_check_redis_memory_used_bytes", used)
	if maxmem > 0 {
		r.gauge("ward_check_redis_memory_max_bytes", maxmem)
		r.gauge("ward_check_redis_memory_used_ratio", used/maxmem)
		r.detail("memory %.0f%% of maxmemory", 100*used/maxmem)
	} else {
		r.detail("memory %s (no maxmemory)", f["used_memory_human"])
	}
	if clients, err := strconv.ParseFloat(f["connected_clients"], 64); err == nil {
		r.gauge("ward_check_redis_connected_clients", clients)
		r.detail("%.0f clients", clients)
	}
	return nil
}

// parseRedisInfo reads INFO's "key:value" lines.
func parseRedisInfo(info string) map[string]string {
	fields := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = v
		}
	}
	return fields
}

// redisError classifies a failed command. Redis answers bad credentials
// with WRONGPASS, missing ones with NOAUTH, and a user without the right
// to a command with NOPERM.
func redisError(cmd string, err error) error {
	err = fmt.Errorf("%s: %w", cmd, err)
	msg := err.Error()
	for _, code := range []string{"WRONGPASS", "NOAUTH", "NOPERM", "invalid password", "invalid username-password"} {
		if strings.Contains(msg, code) {
			return fail(ReasonAuth, err)
		}
	}
	if reason := classify(err); reason != ReasonError {
		return fail(reason, err)
	}
	if strings.Contains(msg, "tls: ") {
		return fail(ReasonTLS, err)
	}
	return err
}

// quietRedisLog drops go-redis' own log lines: every error it logs reaches
// the probe as a returned error too, and is reported from there.
type quietRedisLog struct{}

func (quietRedisLog) Printf(context.Context, string, ...any) {}
