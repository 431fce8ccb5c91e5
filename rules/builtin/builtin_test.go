package builtin

import (
	"bytes"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// wantAlerts are the alerts the rule pack promises; dropping or renaming one
// breaks users' routes and silences.
var wantAlerts = []string{
	"HostHighCPU",
	"HostHighMemory",
	"HostDiskFull",
	"PostgresDown",
	"AppErrorRateHigh",
	"AppLatencyHigh",
	"TargetDown",
	"WardRuleEvaluationFailing",
	"Watchdog",
	"NotificationDeliveryFailing",
	"DatabaseUnavailable",
	"RedisUnavailable",
	"S3Unavailable",
	"TLSCertExpiringSoon",
	"PostgresConnectionsNearLimit",
	"PostgresReplicationLagHigh",
	"HealthCheckFailing",
	// Backups (issue 12).
	"BackupFailed",
	"BackupMissed",
	"BackupSuspiciouslySmall",
	"BackupSuspiciouslyFast",
	"BackupTooFrequent",
	"RPOBreached",
	"WALArchivingFailing",
	"WALRepoBehind",
	"RetentionGap",
	"RetentionOverdue",
	"RestoreDrillFailed",
	"RestoreDrillStale", "RestoreDrillNeverSucceeded",
	"RTOOverTarget",
	"RateLimitViolationsHigh", // issue 13
	"SecurityHeadersWeak",     // issue 13: headers checks
	// API tokens (issue 13).
	"APITokenExpiringSoon",
	"ComplianceControlFailing", // issue 14
	// Error tracking (issue 16).
	"NewErrorIssue", "ErrorIssueRegressed", "ErrorRateSpike",
}

// runbookBase starts every built-in runbook_url: ward serves the
// runbooks itself, at its external URL (Prometheus' $externalURL in rule
// templates), since a self-hosted box may not reach GitHub.
const runbookBase = "{{ $externalURL }}/runbooks/"

// ruleFile is one parsed file of FS.
type ruleFile struct {
	name   string
	groups *rulefmt.RuleGroups
}

// parseFS parses every rule file in FS the way Prometheus' rule manager does,
// failing the test on any error.
func parseFS(tb testing.TB) []ruleFile {
	tb.Helper()
	names, err := fs.Glob(FS, "*.yml")
	if err != nil {
		tb.Fatal(err)
	}
	if len(names) == 0 {
		tb.Fatal("FS holds no rule files")
	}
	p := parser.NewParser(parser.Options{})
	var files []ruleFile
	for _, name := range names {
		content, err := FS.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		// rulefmt only logs, rather than returns, some problems (such as
		// a second YAML document, which it ignores), so any log line fails.
		var logs bytes.Buffer
		groups, errs := rulefmt.Parse(content, false, model.UTF8Validation, p, slog.New(slog.NewTextHandler(&logs, nil)))
		for _, err := range errs {
			tb.Errorf("%s: %v", name, err)
		}
		if logs.Len() > 0 {
			tb.Errorf("%s: parser logged: %s", name, logs.String())
		}
		if groups == nil {
			continue
		}
		files = append(files, ruleFile{name: name, groups: groups})
	}
	return files
}

func TestFSHoldsOnlyRuleFiles(t *testing.T) {
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".yml" {
			t.Errorf("FS holds %q; only *.yml rule files belong at its root", e.Name())
		}
	}
}

func TestRuleFilesParse(t *testing.T) {
	seen := map[string]string{}
	for _, f := range parseFS(t) {
		if len(f.groups.Groups) == 0 {
			t.Errorf("%s: no rule groups", f.name)
		}
		for _, g := range f.groups.Groups {
			if !strings.HasPrefix(g.Name, "ward-") {
				t.Errorf("%s: group %q: name must start with \"ward-\"", f.name, g.Name)
			}
			if prev, ok := seen[g.Name]; ok {
				t.Errorf("%s: group %q: already defined in %s", f.name, g.Name, prev)
			}
			seen[g.Name] = f.name
			// The global evaluation interval applies to built-in rules,
			// so changing it in ward's config changes them too.
			if g.Interval != 0 {
				t.Errorf("%s: group %q: sets interval %s", f.name, g.Name, g.Interval)
			}
			if len(g.Rules) == 0 {
				t.Errorf("%s: group %q: no rules", f.name, g.Name)
			}
		}
	}
}

func TestAlertsAreAnnotated(t *testing.T) {
	for _, f := range parseFS(t) {
		for _, g := range f.groups.Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				t.Run(r.Alert, func(t *testing.T) {
					// Watchdog is no incident: it always fires, for a dead man's
					// switch. A failing compliance control is a gap to close,
					// not production degraded: info, which the overview's
					// banner does not count.
					if s := r.Labels["severity"]; s != "critical" && s != "warning" && !(r.Alert == "Watchdog" && s == "none") && !(r.Alert == "ComplianceControlFailing" && s == "info") {
						t.Errorf("%s: severity label is %q, want critical or warning", f.name, s)
					}
					for _, key := range []string{"summary", "description", "runbook_url"} {
						if strings.TrimSpace(r.Annotations[key]) == "" {
							t.Errorf("%s: annotation %s is missing", f.name, key)
						}
					}
					if got, want := r.Annotations["runbook_url"], runbookBase+r.Alert; got != want {
						t.Errorf("%s: runbook_url is %q, want %q", f.name, got, want)
					}
				})
			}
		}
	}
}

func TestExpectedAlertsExist(t *testing.T) {
	have := alertNames(t)
	for _, name := range wantAlerts {
		if !slices.Contains(have, name) {
			t.Errorf("alert %s is missing from the rule files", name)
		}
	}
	for _, name := range have {
		if n := countOf(have, name); n > 1 {
			t.Errorf("alert %s is defined %d times", name, n)
		}
	}
}

// TestAlertsHaveUnitTests checks that every rule file has a promtool test
// file and every alert appears in one. promtool itself runs the tests:
// promtool test rules rules/builtin/tests/*.yml
func TestAlertsHaveUnitTests(t *testing.T) {
	tested := map[string]bool{}
	alertname := regexp.MustCompile(`(?m)^\s*alertname:\s*(\w+)\s*$`)
	for _, f := range parseFS(t) {
		testFile := path.Join("tests", strings.TrimSuffix(f.name, ".yml")+"_test.yml")
		content, err := os.ReadFile(testFile)
		if err != nil {
			t.Errorf("%s: no promtool test file: %v", f.name, err)
			continue
		}
		if !bytes.Contains(content, []byte("../"+f.name)) {
			t.Errorf("%s: does not load ../%s in rule_files", testFile, f.name)
		}
		for _, m := range alertname.FindAllSubmatch(content, -1) {
			tested[string(m[1])] = true
		}
	}
	for _, name := range alertNames(t) {
		if !tested[name] {
			t.Errorf("alert %s has no alert_rule_test in tests/", name)
		}
	}
}

// TestRunbooksHaveSections checks that each runbook_url lands on a section
// of runbooks.md: /runbooks/HostHighCPU serves "## HostHighCPU".
func TestRunbooksHaveSections(t *testing.T) {
	content, err := os.ReadFile("runbooks.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range alertNames(t) {
		if !bytes.Contains(content, []byte("\n## "+name+"\n")) {
			t.Errorf("runbooks.md has no section \"## %s\"", name)
		}
	}
}

func alertNames(tb testing.TB) []string {
	tb.Helper()
	var names []string
	for _, f := range parseFS(tb) {
		for _, g := range f.groups.Groups {
			for _, r := range g.Rules {
				if r.Alert != "" {
					names = append(names, r.Alert)
				}
			}
		}
	}
	return names
}

func countOf(names []string, name string) int {
	n := 0
	for _, s := range names {
		if s == name {
			n++
		}
	}
	return n
}
