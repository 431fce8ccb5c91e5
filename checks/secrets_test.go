package checks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"go.yaml.in/yaml/v3"

	"github.com/ward-monitoring/ward/servicetest"
)

// TestNoSecretInAnyOutput runs checks of every kind that takes a
// credential, each with the right and with a wrong one, and searches
// everything ward shows for them: logs (at debug), results, the health
// report (all that /health/ shows with details), the series in the TSDB,
// one-off runs and the printed config.
func TestNoSecretInAnyOutput(t *testing.T) {
	pg := servicetest.StartPostgres(t)
	rd := servicetest.StartRedis(t, servicetest.RedisOptions{Password: "redis-pw-7c41d2"})
	gw := servicetest.StartS3(t)
	gw.CreateBucket(t, "media")
	const (
		httpPassword = "http-pw-d93b0e"
		httpToken    = "bearer-tok-5a8e17"
		wrongPG      = "wrong-pg-pw-11f0a3"
		wrongRedis   = "wrong-redis-pw-4e2c"
		wrongS3      = "wrong-s3-secret-b6d9"
		wrongHTTP    = "wrong-http-pw-0c7f"
	)
	secrets := []string{pg.Password, "redis-pw-7c41d2", gw.SecretKey, httpPassword, httpToken,
		wrongPG, wrongRedis, wrongS3, wrongHTTP}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, p, _ := r.BasicAuth(); p != httpPassword || r.Header.Get("Authorization") == "" {
			// A server that echoes what it got back must not leak either.
			http.Error(w, fmt.Sprintf("denied: %q %v", p, r.Header), http.StatusUnauthorized)
		}
	}))
	defer web.Close()
	t.Setenv("WARD_TEST_REDIS_PW", "redis-pw-7c41d2")
	t.Setenv("WARD_TEST_REDIS_WRONG", wrongRedis)
	t.Setenv("WARD_TEST_HTTP_PW", httpPassword)
	t.Setenv("WARD_TEST_HTTP_WRONG", wrongHTTP)
	dsnFile := writeSecret(t, fmt.Sprintf("host=127.0.0.1 port=%s user=postgres password=%s sslmode=disable",
		strings.Split(pg.Addr, ":")[1], pg.Password))
	s3Check := func(name, secretFile string) string {
		return fmt.Sprintf("  - {name: %s, kind: s3, endpoint: %q, bucket: media, path_style: true, canary: true,"+
			" access_key_id: %s, secret_access_key_file: %q}\n", name, gw.Endpoint, gw.AccessKey, secretFile)
	}
	cfgs := loadChecks(t, ""+
		fmt.Sprintf("  - {name: pg-ok, kind: postgres, dsn: %q, password_file: %q}\n", pg.DSN(), writeSecret(t, pg.Password))+
		fmt.Sprintf("  - {name: pg-bad, kind: postgres, dsn: %q, password_file: %q}\n", pg.DSN(), writeSecret(t, wrongPG))+
		fmt.Sprintf("  - {name: pg-dsn, kind: postgres, dsn_file: %q}\n", dsnFile)+
		fmt.Sprintf("  - {name: redis-ok, kind: redis, address: %q, password_env: WARD_TEST_REDIS_PW}\n", rd.Addr)+
		fmt.Sprintf("  - {name: redis-bad, kind: redis, address: %q, password_env: WARD_TEST_REDIS_WRONG}\n", rd.Addr)+
		s3Check("s3-ok", writeSecret(t, gw.SecretKey))+
		s3Check("s3-bad", writeSecret(t, wrongS3))+
		fmt.Sprintf("  - {name: web-ok, kind: http, url: %q, username: ward, password_env: WARD_TEST_HTTP_PW,"+
			" headers: {Authorization: %q}}\n", web.URL, "Bearer "+httpToken)+
		fmt.Sprintf("  - {name: web-bad, kind: http, url: %q, username: ward, password_env: WARD_TEST_HTTP_WRONG}\n", web.URL))

	var logs logBuffer
	db := openTSDB(t)
	r := NewRunner(newLogger(&logs), db, nil)
	if err := r.ApplyConfig(cfgs); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	results := waitResults(t, r, start, "pg-ok", "pg-bad", "pg-dsn", "redis-ok", "redis-bad", "s3-ok", "s3-bad", "web-ok", "web-bad")
	for name, res := range results {
		if want := strings.HasSuffix(name, "-ok") || name == "pg-dsn"; res.OK() != want {
			t.Errorf("%s: %s %q; the test needs it %v", name, res.Status, res.Error, map[bool]string{true: "up", false: "down"}[want])
		}
	}
	health := r.Health(context.Background(), nil)
	if err := r.ApplyConfig(nil); err != nil { // removal writes staleness markers
		t.Fatal(err)
	}
	cancel()
	<-done

	outputs := map[string]string{
		"logs":     logs.String(),
		"results":  fmt.Sprintf("%+v", results),
		"health":   fmt.Sprintf("%+v", health),
		"run once": fmt.Sprintf("%+v", RunOnce(context.Background(), cfgs)),
		"config":   fmt.Sprintf("%v %+v %#v", cfgs, cfgs, cfgs),
	}
	y, _ := yaml.Marshal(cfgs)
	j, _ := json.Marshal(cfgs)
	outputs["config as YAML"], outputs["config as JSON"] = string(y), string(j)
	var tsdb strings.Builder
	for k := range series(t, db, labels.MustNewMatcher(labels.MatchRegexp, model.MetricNameLabel, ".+")) {
		tsdb.WriteString(k + "\n")
	}
	outputs["tsdb"] = tsdb.String()
	if !strings.Contains(outputs["tsdb"], "web-bad") || !strings.Contains(outputs["health"], "WRONGPASS") {
		t.Fatalf("outputs are not what this test expects to search:\n%v", outputs)
	}
	for where, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s shows secret %q:\n%s", where, s, out)
			}
		}
	}
}
