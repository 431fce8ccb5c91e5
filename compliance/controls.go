package compliance

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
)

// Label prefixes of the mappings: planning aids, not audit advice.
const (
	soc2 = "SOC 2 "
	gdpr = "GDPR "
)

// builtin is a built-in control and its check.
type builtin struct {
	Control
	check func(*env) Result
}

// env is what one check reads: the facts, the configuration in force and
// the time of the check.
type env struct {
	ctx   context.Context
	facts Facts
	cfg   *config.Config
	now   time.Time
}

// builtins are the built-in controls, in the checklist's order. Their
// ids are config.ReservedControlIDs.
var builtins = []builtin{
	{Control{ID: "admins-2fa", Title: "Two-factor authentication for every admin and required role",
		Requirement: "2FA for 100% of admins", Labels: []string{soc2 + "CC6.1", gdpr + "32(1)(b)"}, Interval: cheapInterval, Docs: "/docs#identity-and-access"}, checkTwoFactor},
	{Control{ID: "inactive-accounts", Title: "No enabled account unused for long",
		Requirement: "Session security active", Labels: []string{soc2 + "CC6.2", soc2 + "CC6.3"}, Interval: DefaultInterval, Docs: "/docs#identity-and-access"}, checkInactive},
	{Control{ID: "session-policy", Title: "Session idle timeout at most 30 minutes and a concurrent-session limit",
		Requirement: "Session security active", Labels: []string{soc2 + "CC6.1"}, Interval: cheapInterval, Docs: "/docs#identity-and-access"}, checkSessions},
	{Control{ID: "api-rate-limits", Title: "A rate limit on every API route",
		Requirement: "API rate limiting working", Labels: []string{soc2 + "CC6.6", soc2 + "A1.1"}, Interval: cheapInterval, Docs: "/docs#rate-limits"}, checkRateLimits},
	{Control{ID: "audit-chain", Title: "Audit chain verified and anchored outside the database",
		Requirement: "Audit logging comprehensive", Labels: []string{soc2 + "CC7.2", soc2 + "CC4.1", gdpr + "32(1)(b)"}, Interval: DefaultInterval, Docs: "/docs#compliance"}, checkAuditChain},
	{Control{ID: "retention", Title: "Events, audit trail and metrics kept at least 30 days",
		Requirement: "30-day log retention", Labels: []string{soc2 + "CC7.2", soc2 + "CC7.3"}, Interval: cheapInterval, Docs: "/docs#configuration"}, checkRetention},
	{Control{ID: "backup-jobs", Title: "Every backup job succeeds on schedule, 99% over 30 days",
		Requirement: "Daily backups running", Labels: []string{soc2 + "A1.2", gdpr + "32(1)(c)"}, Interval: DefaultInterval, Docs: "/docs#backups"}, checkBackupJobs},
	{Control{ID: "backup-rpo", Title: "Recovery point objective met 99% of the last 30 days",
		Requirement: "Point-in-time recovery verified", Labels: []string{soc2 + "A1.2", gdpr + "32(1)(c)"}, Interval: DefaultInterval, Docs: "/docs#backups"}, checkRPO},
	{Control{ID: "restore-drill", Title: "A restore drill succeeded in the last 30 days within the RTO target",
		Requirement: "Restore verified", Labels: []string{soc2 + "A1.3", gdpr + "32(1)(d)"}, Interval: DefaultInterval, Docs: "/docs#restore-drills"}, checkDrill},
	{Control{ID: "backup-retention", Title: "No retention gaps and nothing kept past max_age",
		Requirement: "Data protection implemented", Labels: []string{soc2 + "A1.2", soc2 + "C1.2", gdpr + "5(1)(e)"}, Interval: DefaultInterval, Docs: "/docs#backups"}, checkBackupRetention},
	{Control{ID: "tls-certificates", Title: "TLS certificates of ward and of checked endpoints valid for more than 14 days",
		Requirement: "Monitoring live", Labels: []string{soc2 + "CC6.7", gdpr + "32(1)(a)"}, Interval: DefaultInterval, Docs: "/docs#security"}, checkCertificates},
	{Control{ID: "secrets-encrypted", Title: "Stored secrets encrypted, the key outside the data directory",
		Requirement: "Data protection implemented", Labels: []string{soc2 + "CC6.1", soc2 + "CC6.7", gdpr + "32(1)(a)"}, Interval: DefaultInterval, Docs: "/docs#secret-key-and-rotation"}, checkSecrets},
	{Control{ID: "datadir-permissions", Title: "Data directory and key file readable by ward's user only (0700, 0600)",
		Requirement: "Data protection implemented", Labels: []string{soc2 + "CC6.1", gdpr + "32(1)(b)"}, Interval: cheapInterval, Docs: "/docs#what-ward-stores-and-where"}, checkDataDir},
	{Control{ID: "receivers-delivered", Title: "Every receiver delivered, or passed a test, in the last 30 days",
		Requirement: "Monitoring live", Labels: []string{soc2 + "CC7.3", soc2 + "CC7.4"}, Interval: DefaultInterval, Docs: "/docs#alerting"}, checkReceivers},
	{Control{ID: "watchdog-routed", Title: "The Watchdog heartbeat is routed to a real receiver",
		Requirement: "Monitoring live", Labels: []string{soc2 + "CC7.2", soc2 + "A1.1"}, Interval: cheapInterval, Docs: "/docs#dead-mans-switch"}, checkWatchdog},
	{Control{ID: "ward-self-backup", Title: "ward backed itself up in the last 24 hours and a self-restore test passed in the last 30 days",
		Requirement: "Restore verified", Labels: []string{soc2 + "A1.2", soc2 + "A1.3", gdpr + "32(1)(c)"}, Interval: DefaultInterval, Docs: "/docs#backing-up-ward-itself"}, checkSelfBackup},
}

// BuiltinIDs are the ids of the built-in controls.
func BuiltinIDs() []string {
	out := make([]string, len(builtins))
	for i, b := range builtins {
		out[i] = b.ID
	}
	return out
}

func builtinByID(id string) builtin {
	for _, b := range builtins {
		if b.ID == id {
			return b
		}
	}
	return builtin{check: func(*env) Result { return Result{Status: Fail, Detail: "unknown control"} }}
}

// Helpers of the checks.

// days writes d in days and what is left ("30d", "2d3h", "45m").
func days(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	if d >= 24*time.Hour {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d" + model.Duration(d%(24*time.Hour)).String()
	}
	return model.Duration(d).String()
}

// percent writes a fraction as a percentage with up to two decimals.
func percent(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(f*100, 'f', 2, 64), "0"), ".") + "%"
}

// names lists up to five names, and how many more.
func names(list []string) string {
	if len(list) <= 5 {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(list[:5], ", "), len(list)-5)
}

func auditSource(seq uint64) Source {
	return Source{Kind: "audit", Ref: "#" + strconv.FormatUint(seq, 10), URL: "/admin/audit"}
}

// configSource names a configuration path, linked to the section of
// ward's documentation that explains it.
func configSource(path string) Source {
	top, _, _ := strings.Cut(path, ".")
	anchor, ok := configDocs[top]
	if !ok {
		anchor = "configuration"
	}
	return Source{Kind: "config", Ref: path, URL: "/docs#" + anchor}
}

// configDocs are the README sections (their heading ids on /docs) of
// the configuration's top-level keys.
var configDocs = map[string]string{
	"auth": "identity-and-access", "alerting": "alerting", "backups": "backups", "compliance": "compliance",
	"limits": "rate-limits", "rules": "rules", "events": "events-and-live-pages", "privacy": "privacy-and-gdpr",
}

func metricSource(expr string) Source {
	return Source{Kind: "metric", Ref: expr, URL: "/graph?g0.expr=" + url.QueryEscape(expr)}
}

func runSource(kind, id string) Source {
	return Source{Kind: kind, Ref: id, URL: "/backups/runs/" + url.PathEscape(id)}
}

// failed is a failing result.
func failed(value, threshold, detail string, src ...Source) Result {
	return Result{Status: Fail, Value: value, Threshold: threshold, Detail: detail, Sources: src}
}

// IdentityControls are the controls that read users and their 2FA: the
// wiring checks them again when the first admin is set up.
var IdentityControls = []string{"admins-2fa", "inactive-accounts", "secrets-encrypted"}
