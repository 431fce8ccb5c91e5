package config

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"
)

// backupTypes are pgBackRest's backup types.
var backupTypes = map[string]bool{"full": true, "diff": true, "incr": true}

// validateJob checks one job of backups.jobs; stanzas are the names of
// the section's stanzas.
func validateJob(v *pathValidator, p string, j *BackupJob, stanzas map[string]bool, digest bool) {
	switch j.Kind {
	case BackupKindPgBackRest:
		switch {
		case j.Stanza == "":
			v.add(p+".stanza", "required for kind pgbackrest")
		case !stanzas[j.Stanza]:
			v.add(p+".stanza", "no stanza named %q in backups.stanzas", j.Stanza)
		}
		if len(j.Command) > 0 {
			v.add(p+".command", "not used by kind pgbackrest")
		}
		if j.Schedule != "" {
			v.add(p+".schedule", "kind pgbackrest takes schedules: [{cron, type}]")
		}
		for i, s := range j.Schedules {
			sp := fmt.Sprintf("%s.schedules[%d]", p, i)
			cronSpec(v, sp+".cron", s.Cron, j.TimeZone)
			if !backupTypes[s.Type] {
				v.add(sp+".type", "want full, diff or incr, got %q", clipValue(s.Type))
			}
		}
	case BackupKindCommand:
		if j.Stanza != "" {
			v.add(p+".stanza", "not used by kind command")
		}
		if len(j.Schedules) > 0 {
			v.add(p+".schedules", "kind command takes one schedule")
		}
		if j.Expire != nil {
			v.add(p+".expire", "not used by kind command")
		}
		validateArgv(v, p+".command", j.Command)
		cronSpec(v, p+".schedule", j.Schedule, j.TimeZone)
	case BackupKindSelf:
		validateSelfJob(v, p, j)
	default:
		v.add(p+".kind", "want pgbackrest, command or self, got %q", clipValue(j.Kind))
	}
	timeZone(v, p+".time_zone", j.TimeZone)
	durationRange(v, p+".timeout", j.Timeout, time.Second, maxBackupTimeout)
	durationRange(v, p+".grace", j.Grace, time.Minute, maxBackupGrace)
	if j.MinDuration < 0 {
		v.add(p+".min_duration", "must not be negative")
	} else if j.MinDuration > 0 && j.MinDuration >= j.Timeout {
		v.add(p+".min_duration", "%s is not under timeout %s", j.MinDuration, j.Timeout)
	}
	fraction(v, p+".size_drop", j.SizeDrop)
	if j.Digest && !digest {
		v.add(p+".digest", "set backups.digest to name the receiver")
	}
	envAllowlist(v, p, j.Env, j.EnvFiles)
}

// validateArgv checks a command job's argv: run without a shell, so the
// program is a path or a name found in PATH, and no argument is empty.
func validateArgv(v *pathValidator, p string, argv []string) {
	if len(argv) == 0 {
		v.add(p, "required for kind command: the program and its arguments")
		return
	}
	if len(argv) > maxBackupArgs {
		v.add(p, "at most %d arguments, got %d", maxBackupArgs, len(argv))
		return
	}
	for i, a := range argv {
		switch {
		case i == 0 && strings.TrimSpace(a) == "":
			v.add(fmt.Sprintf("%s[0]", p), "empty program")
		case len(a) > maxBackupArgBytes:
			v.add(fmt.Sprintf("%s[%d]", p, i), "longer than %d bytes", maxBackupArgBytes)
		case strings.ContainsRune(a, 0):
			v.add(fmt.Sprintf("%s[%d]", p, i), "contains a NUL byte")
		}
	}
	if a := argv[0]; strings.ContainsRune(a, '/') && !filepath.IsAbs(a) {
		v.add(fmt.Sprintf("%s[0]", p), "want an absolute path or a name looked up in PATH, got %q", clipValue(a))
	}
}

// validateWatched checks one job of backups.watched.
func validateWatched(v *pathValidator, p string, w *WatchedJob, digest bool) {
	switch {
	case w.TokenEnv != "" && w.TokenFile != "":
		v.add(p+".token_file", "set token_env or token_file, not both")
	case w.TokenEnv == "" && w.TokenFile == "":
		v.add(p+".token_env", "required (or token_file): the ping token is a secret")
	case w.TokenEnv != "" && !envNameRE.MatchString(w.TokenEnv):
		v.add(p+".token_env", "%q is not an environment variable name", clipValue(w.TokenEnv))
	}
	switch {
	case w.Schedule != "" && w.Period != 0:
		v.add(p+".period", "set schedule or period, not both")
	case w.Schedule == "" && w.Period == 0:
		v.add(p+".schedule", "required (or period)")
	case w.Schedule != "":
		cronSpec(v, p+".schedule", w.Schedule, w.TimeZone)
	default:
		durationRange(v, p+".period", w.Period, minWatchedPeriod, maxWatchedPeriod)
	}
	timeZone(v, p+".time_zone", w.TimeZone)
	durationRange(v, p+".start_grace", w.StartGrace, time.Minute, maxBackupGrace)
	durationRange(v, p+".run_grace", w.RunGrace, time.Minute, maxBackupGrace)
	durationRange(v, p+".min_duration", w.MinDuration, 0, maxBackupTimeout)
	if w.MaxRuns < 0 || w.MaxRuns > maxWatchedRunsPeriod {
		v.add(p+".max_runs", "must be between 0 and %d, got %d", maxWatchedRunsPeriod, w.MaxRuns)
	}
	fraction(v, p+".size_drop", w.SizeDrop)
	if w.Digest && !digest {
		v.add(p+".digest", "set backups.digest to name the receiver")
	}
}

// envAllowlist checks env (names passed from ward's environment) and
// env_files (names set from files). A secret never sits in the file: an
// env_files value is the path of the file that holds it.
func envAllowlist(v *pathValidator, p string, env []string, files map[string]string) {
	if len(env)+len(files) > maxBackupEnv {
		v.add(p+".env", "at most %d variables in env and env_files together", maxBackupEnv)
		return
	}
	seen := map[string]bool{}
	for i, name := range env {
		switch {
		case !envNameRE.MatchString(name):
			v.add(fmt.Sprintf("%s.env[%d]", p, i), "%q is not an environment variable name", clipValue(name))
		case seen[name]:
			v.add(fmt.Sprintf("%s.env[%d]", p, i), "%q is listed twice", name)
		}
		seen[name] = true
	}
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		kp := p + ".env_files." + name
		switch path := files[name]; {
		case !envNameRE.MatchString(name):
			v.add(kp, "%q is not an environment variable name", clipValue(name))
		case seen[name]:
			v.add(kp, "%q is also in env", name)
		case !filepath.IsAbs(path) || strings.ContainsAny(path, "\n\x00"):
			v.add(kp, "want the path of a file holding the value (a secret never sits in the config file)")
		}
	}
}

// cronSpec checks a cron expression in a time zone.
func cronSpec(v *pathValidator, key, spec, zone string) {
	if spec == "" {
		v.add(key, "required")
		return
	}
	s, err := ParseBackupSchedule(spec, zone)
	if err != nil {
		if _, zerr := backupLocation(zone); zerr != nil {
			return // time_zone is reported on its own key
		}
		v.add(key, "%q: %v", clipValue(spec), err)
		return
	}
	if every, ok := s.(cron.ConstantDelaySchedule); ok && every.Delay < minScheduleEvery {
		v.add(key, "%q: at most one run a minute", clipValue(spec))
	}
}

// minScheduleEvery is the shortest @every: a five-field cron cannot be
// more frequent either.
const minScheduleEvery = time.Minute

func timeZone(v *pathValidator, key, zone string) {
	if _, err := backupLocation(zone); err != nil {
		v.add(key, "%q is not a time zone (want an IANA name such as Europe/Berlin)", clipValue(zone))
	}
}

// durationRange checks min <= d <= max.
func durationRange(v *pathValidator, key string, d model.Duration, min, max time.Duration) {
	if time.Duration(d) < min || time.Duration(d) > max {
		v.add(key, "must be between %s and %s, got %s", model.Duration(min), model.Duration(max), d)
	}
}

func fraction(v *pathValidator, key string, f *float64) {
	if f != nil && (*f < 0 || *f > 1) {
		v.add(key, "must be between 0 and 1, got %g", *f)
	}
}

// pathWithin says whether path is dir or inside it (both cleaned).
func pathWithin(path, dir string) bool {
	if path == dir {
		return true
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}
