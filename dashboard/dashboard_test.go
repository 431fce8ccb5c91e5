package dashboard

import (
	"io/fs"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/ward-monitoring/ward/rules/builtin"
)

// builtinRules loads the built-in rule pack as ward does.
func builtinRules(tb testing.TB) (alerts []AlertRule, records map[string]bool) {
	tb.Helper()
	names, err := fs.Glob(builtin.FS, "*.yml")
	if err != nil || len(names) == 0 {
		tb.Fatalf("no built-in rule files: %v", err)
	}
	records = map[string]bool{}
	for _, name := range names {
		content, err := builtin.FS.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		groups, errs := rulefmt.Parse(content, false, model.UTF8Validation, newParser(), slog.New(slog.DiscardHandler))
		if len(errs) > 0 {
			tb.Fatalf("%s: %v", name, errs)
		}
		for _, g := range groups.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					records[r.Record] = true
					continue
				}
				expr, err := newParser().ParseExpr(r.Expr)
				if err != nil {
					tb.Fatalf("%s: %s: %v", name, r.Alert, err)
				}
				alerts = append(alerts, AlertRule{Name: r.Alert, Group: g.Name, Expr: expr})
			}
		}
	}
	return alerts, records
}

func TestBuiltinBoards(t *testing.T) {
	boards, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range boards {
		names = append(names, b.Name)
		if len(b.Panels) == 0 {
			t.Errorf("board %s has no panels", b.Name)
		}
	}
	if got := strings.Join(names, ","); got != "host,app,postgres,redis,checks,backups" {
		t.Errorf("boards = %s", got)
	}
	_, records := builtinRules(t)
	// job:x:p(50|95|99) names three series.
	recorded := regexp.MustCompile(`(job:[a-z_]+:[a-z0-9]*)(?:\(([0-9|]+)\))?`)
	for _, b := range boards {
		for _, p := range b.Panels {
			if !regexp.MustCompile(`^dashboard/builtin/panels\.yml:\d+$`).MatchString(p.Source) {
				t.Errorf("%s/%s: source %q", b.Name, p.ID, p.Source)
			}
			if _, err := parseExpr(p.Expr); err != nil {
				t.Errorf("%s/%s: %v", b.Name, p.ID, err)
			}
			// A rate over a fixed window loses spikes once the chart's
			// step outgrows it (7d, 30d): panels use $__rate_interval.
			if m := fixedRateRE.FindString(p.Expr); m != "" {
				t.Errorf("%s/%s: %s: use [%s]", b.Name, p.ID, m, RateInterval)
			}
			// A panel that reads a recorded series reads one the pack
			// records (the latency panel's regexp names p50|95|99).
			for _, m := range recorded.FindAllStringSubmatch(p.Expr, -1) {
				for _, alt := range strings.Split(m[2], "|") {
					if name := m[1] + alt; !records[name] {
						t.Errorf("%s/%s reads %s, which no built-in rule records", b.Name, p.ID, name)
					}
				}
			}
		}
	}
	for _, q := range []string{"p50", "p95", "p99"} {
		if !records["job:ward_app_http_request_duration_seconds:"+q] {
			t.Errorf("no recording rule for %s latency", q)
		}
	}
	if b, ok := Find(boards, "host"); !ok || b.Panels[0].Source != "dashboard/builtin/panels.yml:40" {
		t.Errorf("host's first panel: %+v", b.Panels[0].Source)
	}
}

var fixedRateRE = regexp.MustCompile(`\b(rate|irate|increase)\([^()]*\[[0-9]+[smhd]\]`)

// TestBuiltinThresholds checks the alert line of every rule a built-in
// panel names, against the rule text.
func TestBuiltinThresholds(t *testing.T) {
	alerts, _ := builtinRules(t)
	want := map[string]string{
		"HostHighCPU":                  "> 0.8",
		"HostHighMemory":               "> 0.85",
		"HostDiskFull":                 "> 0.9", // left of unless
		"AppErrorRateHigh":             "> 0.01",
		"AppLatencyHigh":               "> 1",
		"PostgresDown":                 "== 0", // left of or
		"PostgresConnectionsNearLimit": "> 0.85",
		"PostgresReplicationLagHigh":   "> 60",
		"DatabaseUnavailable":          "== 0",
		"RedisUnavailable":             "== 0",
		"HealthCheckFailing":           "== 0",
		"S3Unavailable":                "== 0",
		"TLSCertExpiringSoon":          "< 1209600", // 14 * 86400 folded
		"RetentionGap":                 "> 0",
	}
	boards, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, b := range boards {
		for _, p := range b.Panels {
			for _, n := range p.Thresholds {
				named[n] = true
			}
		}
	}
	for n := range named {
		if _, ok := want[n]; !ok {
			t.Errorf("a panel names %s; add its expected line here", n)
		}
	}
	got, missing := WithThresholds(boards, alerts)
	if len(missing) > 0 {
		t.Errorf("panels name rules the pack lacks: %v", missing)
	}
	lines := map[string]string{}
	for _, b := range got {
		for _, p := range b.Panels {
			if len(p.Lines) != len(p.Thresholds) {
				t.Errorf("%s/%s: %d lines for %v", b.Name, p.ID, len(p.Lines), p.Thresholds)
			}
			for _, l := range p.Lines {
				if l.Group == "" {
					t.Errorf("%s: no group", l.Rule)
				}
				lines[l.Rule] = l.Op + " " + model.SampleValue(l.Value).String()
			}
		}
	}
	for rule, w := range want {
		if lines[rule] != w {
			t.Errorf("%s: line %q, want %q", rule, lines[rule], w)
		}
	}
	// A disabled rule draws no line and changes nothing else.
	var without []AlertRule
	for _, a := range alerts {
		if a.Name != "HostHighCPU" {
			without = append(without, a)
		}
	}
	got, missing = WithThresholds(boards, without)
	host, _ := Find(got, "host")
	if len(host.Panels[0].Lines) != 0 || len(missing) != 1 || missing[0] != "HostHighCPU" {
		t.Errorf("without HostHighCPU: lines %v, missing %v", host.Panels[0].Lines, missing)
	}
	if orig, _ := Find(boards, "host"); orig.Panels[0].Lines != nil {
		t.Error("WithThresholds changed its argument")
	}
}

func TestThresholdOf(t *testing.T) {
	for _, tc := range []struct {
		expr, want string
	}{
		{`x > 3`, "> 3"},
		{`3 < x`, "> 3"},
		{`0.5 >= x`, "<= 0.5"},
		{`(x) != -(2 * 3)`, "!= -6"},
		{`(x > bool 2)`, "> 2"},
		{`x < 2 ^ 10 / 4`, "< 256"},
		{`(x > 1 unless y == 1) and z`, "> 1"},
		{`x + 1`, ""},
		{`x > y`, ""},
		{`1 > bool 2`, ""},
		{`absent(x)`, ""},
		{`y or x > 1`, ""},
		// No line at a constant that is not finite.
		{`x < 1/0`, ""},
		{`x > -Inf`, ""},
		{`x != NaN`, ""},
		{`0/0 < x`, ""},
	} {
		e, err := newParser().ParseExpr(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		th, ok := ThresholdOf(AlertRule{Name: "R", Group: "g", Expr: e})
		got := ""
		if ok {
			got = th.Op + " " + model.SampleValue(th.Value).String()
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.expr, got, tc.want)
		}
	}
}
