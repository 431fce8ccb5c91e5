package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/dashboard"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestBuiltinPanelsHaveData: with ward scraping Debian's real
// node_exporter and postgres_exporter and running a PostgreSQL check,
// every built-in host and PostgreSQL panel's expression returns series.
// This is what proves the metric names in dashboard/builtin/panels.yml
// are the exporters' own.
func TestBuiltinPanelsHaveData(t *testing.T) {
	pg := servicetest.StartPostgres(t)
	pgx := pg.Exporter(t)
	_, nodeAddr := startNodeExporter(t)
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pg.password")
	writeFile(t, pwFile, pg.Password)
	in := startWardIn(t, dir, fastGlobal+noTwoFactor+fmt.Sprintf(`
scrape_configs:
  - job_name: node
    static_configs: [{targets: [%q]}]
  - job_name: postgres
    static_configs: [{targets: [%q]}]
checks:
  - name: db
    kind: postgres
    dsn: %s
    password_file: %s
    interval: 1s
    timeout: 1s
`, nodeAddr, pgx, pg.DSN(), pwFile))

	boards, err := dashboard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// Replication lag exists only on a replica; the primary has none.
	noData := map[string]string{"postgres/replication-lag": "a primary has no replication lag"}
	var exprs []string
	for _, name := range []string{"host", "postgres"} {
		b, ok := dashboard.Find(boards, name)
		if !ok {
			t.Fatalf("no built-in board %q", name)
		}
		for _, p := range b.Panels {
			if _, skip := noData[name+"/"+p.ID]; !skip {
				// As the chart sends it at a fine step.
				exprs = append(exprs, name+"/"+p.ID+"\x00"+dashboard.ExpandRateInterval(p.Expr, dashboard.DefaultRateInterval))
			}
		}
	}
	if len(exprs) < 10 {
		t.Fatalf("only %d panels on host and postgres", len(exprs))
	}
	var empty []string
	servicetest.Eventually(t, 45*time.Second, "every host and PostgreSQL panel has data", func() bool {
		empty = empty[:0]
		for _, e := range exprs {
			id, expr, _ := strings.Cut(e, "\x00")
			if len(in.query(t, expr)) == 0 {
				empty = append(empty, id)
			}
		}
		return len(empty) == 0
	})
	if len(empty) > 0 {
		t.Errorf("panels without data: %v", empty)
	}
}
