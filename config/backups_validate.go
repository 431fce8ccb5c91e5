package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Bounds of the backups section: every list and number has one.
const (
	maxBackupStanzas     = 50
	maxBackupJobs        = 200
	maxRestoreTargets    = 50
	maxBackupEnv         = 64
	maxBackupArgs        = 128
	maxBackupArgBytes    = 4096
	maxRetentionCount    = 1000
	maxDrillAssertions   = 100
	maxBackupTimeout     = 7 * 24 * time.Hour
	maxBackupGrace       = 7 * 24 * time.Hour
	minStanzaRPO         = time.Minute
	maxStanzaRPO         = 30 * 24 * time.Hour
	maxStanzaRTO         = 30 * 24 * time.Hour
	maxStanzaTimeout     = time.Hour
	minWatchedPeriod     = time.Minute
	maxWatchedPeriod     = 366 * 24 * time.Hour
	maxWatchedRunsPeriod = 1000
)

var (
	errCronZone = errors.New("no TZ= prefix: set time_zone")
	// backupNameRE names jobs, watched jobs and restore targets: it is a
	// metric label and part of URLs.
	backupNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	// stanzaNameRE is what pgBackRest accepts, bounded.
	stanzaNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	// runAsRE is a POSIX user name.
	runAsRE = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	// sqlNameRE is a table or column, optionally schema-qualified.
	sqlNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$`)
	digestAtRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// validateBackups applies the section's defaults, resolves its relative
// file paths against the config file's directory and returns every
// problem of the section.
func (c *Config) validateBackups() []fieldError {
	b := &c.Backups
	b.applyDefaults()
	if c.Source != DefaultSource {
		b.setDirectory(filepath.Dir(c.Source))
	}
	v := pathValidator{path: "backups"}
	if b.RunAs != "" && !runAsRE.MatchString(b.RunAs) {
		v.add("run_as", "%q is not a user name", clipValue(b.RunAs))
	}
	// Attack A6: nothing that breaks a command line.
	backupControlChars(&v, b)
	// Attack A8: no child gets a secret ward reads from its environment.
	c.backupSecretEnv(&v)
	names := map[string]string{} // job and watched names -> where
	stanzas := map[string]bool{}
	dataDirs := []string{}
	if len(b.Stanzas) > maxBackupStanzas {
		v.add("stanzas", "at most %d stanzas, got %d", maxBackupStanzas, len(b.Stanzas))
	}
	for i := range b.Stanzas {
		s := &b.Stanzas[i]
		if stanzas[s.Name] {
			v.add(fmt.Sprintf("stanzas[%d].name", i), "%q is listed twice", s.Name)
		}
		stanzas[s.Name] = true
		c.validateStanza(&v, fmt.Sprintf("stanzas[%d]", i), s)
		for _, d := range s.DataDirs {
			dataDirs = append(dataDirs, filepath.Clean(d))
		}
	}
	if len(b.Jobs)+len(b.Watched) > maxBackupJobs {
		v.add("jobs", "at most %d jobs and watched jobs together, got %d", maxBackupJobs, len(b.Jobs)+len(b.Watched))
	}
	for i := range b.Jobs {
		p := fmt.Sprintf("jobs[%d]", i)
		backupName(&v, p, b.Jobs[i].Name, names)
		validateJob(&v, p, &b.Jobs[i], stanzas, b.Digest != nil)
	}
	c.validateSelfJobs(&v) // issue 14: self-backups' S3 checks
	for i := range b.Watched {
		p := fmt.Sprintf("watched[%d]", i)
		backupName(&v, p, b.Watched[i].Name, names)
		validateWatched(&v, p, &b.Watched[i], b.Digest != nil)
	}
	if len(b.RestoreTargets) > maxRestoreTargets {
		v.add("restore_targets", "at most %d targets, got %d", maxRestoreTargets, len(b.RestoreTargets))
	}
	targets := map[string]string{}
	for i, t := range b.RestoreTargets {
		p := fmt.Sprintf("restore_targets[%d]", i)
		backupName(&v, p, t.Name, targets)
		switch {
		case !filepath.IsAbs(t.Path):
			v.add(p+".path", "want an absolute path, got %q", clipValue(t.Path))
		case filepath.Clean(t.Path) == "/":
			v.add(p+".path", "not the root directory")
		default:
			for _, d := range dataDirs {
				if pathWithin(filepath.Clean(t.Path), d) || pathWithin(d, filepath.Clean(t.Path)) {
					v.add(p+".path", "overlaps the production data directory %s", d)
				}
			}
		}
	}
	if d := b.Digest; d != nil {
		switch {
		case d.Receiver == "":
			v.add("digest.receiver", "required")
		case !c.hasReceiver(d.Receiver):
			v.add("digest.receiver", "no receiver named %q in alerting.receivers", d.Receiver)
		}
		if !digestAtRE.MatchString(d.At) {
			v.add("digest.at", "want HH:MM (24-hour), got %q", clipValue(d.At))
		}
		timeZone(&v, "digest.time_zone", d.TimeZone)
	}
	return v.errs
}

// setDirectory resolves the section's relative file paths against dir.
func (b *Backups) setDirectory(dir string) {
	for i := range b.Stanzas {
		s := &b.Stanzas[i]
		resolvePaths(dir, &s.Config)
		for k, f := range s.EnvFiles {
			resolvePaths(dir, &f)
			s.EnvFiles[k] = f
		}
	}
	for i := range b.Jobs {
		for k, f := range b.Jobs[i].EnvFiles {
			resolvePaths(dir, &f)
			b.Jobs[i].EnvFiles[k] = f
		}
	}
	for i := range b.Watched {
		resolvePaths(dir, &b.Watched[i].TokenFile)
	}
}

func (c *Config) hasReceiver(name string) bool {
	if c.Alerting == nil || c.Alerting.Alertmanager == nil {
		return false
	}
	for _, r := range c.Alerting.Alertmanager.Receivers {
		if r.Name == name {
			return true
		}
	}
	return false
}

func (c *Config) postgresCheck(name string) (found, postgres bool) {
	for _, ch := range c.Checks {
		if ch.Name == name {
			return true, ch.Kind == CheckPostgres
		}
	}
	return false, false
}

// backupName checks a job, watched job or target name and its
// uniqueness among taken.
func backupName(v *pathValidator, p, name string, taken map[string]string) {
	switch {
	case name == "":
		v.add(p+".name", "required")
	case !backupNameRE.MatchString(name):
		v.add(p+".name", "%q: want a lower-case letter then at most 31 lower-case letters, digits and dashes", clipValue(name))
	case taken[name] != "":
		v.add(p+".name", "%q already names backups.%s", name, taken[name])
	default:
		taken[name] = p
	}
}

func (c *Config) validateStanza(v *pathValidator, p string, s *BackupStanza) {
	if !stanzaNameRE.MatchString(s.Name) {
		v.add(p+".name", "%q: want a pgBackRest stanza name (letters, digits, '_', '.', '-'; at most 64)", clipValue(s.Name))
	}
	if s.Config == "" {
		v.add(p+".config", "required: the path of pgbackrest.conf")
	}
	if s.Check != "" {
		switch found, pg := c.postgresCheck(s.Check); {
		case !found:
			v.add(p+".check", "no check named %q", s.Check)
		case !pg:
			v.add(p+".check", "%q is not a postgres check", s.Check)
		}
	}
	for i, d := range s.DataDirs {
		if !filepath.IsAbs(d) {
			v.add(fmt.Sprintf("%s.data_dirs[%d]", p, i), "want an absolute path, got %q", clipValue(d))
		}
	}
	if s.PGBin != "" && !filepath.IsAbs(s.PGBin) {
		v.add(p+".pg_bin", "want an absolute path, got %q", clipValue(s.PGBin))
	}
	timeZone(v, p+".time_zone", s.TimeZone)
	durationRange(v, p+".rpo", s.RPO, minStanzaRPO, maxStanzaRPO)
	durationRange(v, p+".rto", s.RTO, time.Minute, maxStanzaRTO)
	durationRange(v, p+".timeout", s.Timeout, time.Second, maxStanzaTimeout)
	validateRetention(v, p+".retention", s.Retention)
	if s.Drill.Schedule != BackupScheduleOff {
		cronSpec(v, p+".drill.schedule", s.Drill.Schedule, s.TimeZone)
	}
	durationRange(v, p+".drill.timeout", s.Drill.Timeout, time.Minute, maxStanzaRTO)
	validateAssertions(v, p+".drill.assertions", s.Drill.Assertions)
	envAllowlist(v, p, s.Env, s.EnvFiles)
}

func validateRetention(v *pathValidator, p string, r BackupRetention) {
	buckets := []struct {
		key  string
		n    *int
		span time.Duration
	}{
		{"daily", r.Daily, 24 * time.Hour},
		{"weekly", r.Weekly, 7 * 24 * time.Hour},
		{"monthly", r.Monthly, 31 * 24 * time.Hour},
		{"yearly", r.Yearly, 366 * 24 * time.Hour},
	}
	var need time.Duration
	needKey := ""
	for _, b := range buckets {
		if b.n == nil {
			continue
		}
		if *b.n < 0 || *b.n > maxRetentionCount {
			v.add(p+"."+b.key, "must be between 0 and %d, got %d", maxRetentionCount, *b.n)
			continue
		}
		if d := time.Duration(*b.n) * b.span; d > need {
			need, needKey = d, b.key
		}
	}
	if r.MaxAge < 0 {
		v.add(p+".max_age", "must not be negative")
	} else if r.MaxAge > 0 && time.Duration(r.MaxAge) < need {
		v.add(p+".max_age", "%s is shorter than the %s buckets asked for (%s): they could never all be kept", r.MaxAge, needKey, model.Duration(need))
	}
	durationRange(v, p+".grace", r.Grace, 0, maxBackupGrace)
}

func validateAssertions(v *pathValidator, p string, a BackupDrillAssertions) {
	if !sqlNameRE.MatchString(a.Database) || strings.Contains(a.Database, ".") {
		v.add(p+".database", "%q is not a database name", clipValue(a.Database))
	}
	if len(a.RowCounts)+len(a.SQL) > maxDrillAssertions {
		v.add(p, "at most %d row_counts and sql assertions together", maxDrillAssertions)
		return
	}
	for i, t := range a.RowCounts {
		if !sqlNameRE.MatchString(t) {
			v.add(fmt.Sprintf("%s.row_counts[%d]", p, i), "%q is not a table name (schema.table or table)", clipValue(t))
		}
	}
	if a.RowCountTolerance < 0 || a.RowCountTolerance > 1 {
		v.add(p+".row_count_tolerance", "must be between 0 and 1, got %g", a.RowCountTolerance)
	}
	if f := a.Freshness; f != nil {
		if !sqlNameRE.MatchString(f.Table) {
			v.add(p+".freshness.table", "%q is not a table name", clipValue(f.Table))
		}
		if !sqlNameRE.MatchString(f.Column) || strings.Contains(f.Column, ".") {
			v.add(p+".freshness.column", "%q is not a column name", clipValue(f.Column))
		}
	}
	seen := map[string]bool{}
	for i, q := range a.SQL {
		qp := fmt.Sprintf("%s.sql[%d]", p, i)
		switch {
		case q.Name == "":
			v.add(qp+".name", "required")
		case seen[q.Name]:
			v.add(qp+".name", "%q is listed twice", clipValue(q.Name))
		}
		seen[q.Name] = true
		if strings.TrimSpace(q.Query) == "" {
			v.add(qp+".query", "required")
		}
	}
}
