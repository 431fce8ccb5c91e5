package config

import (
	"github.com/prometheus/common/model"
)

// Backups is the `backups:` section (issue 12): the pgBackRest stanzas
// ward watches and drills, the jobs it runs on schedule, the jobs that
// only ping it, and where a restore may write.
//
// Defaults are applied by Backups.applyDefaults after decoding; a zero
// value in a field documented with a default means "the default".
type Backups struct {
	// RunAs is the operating-system user that pgbackrest, postgres and
	// command jobs run as. Required when ward runs as root (PostgreSQL
	// refuses root, and a backup job has no business being root); when
	// ward is not root it must be empty or ward's own user.
	RunAs string `yaml:"run_as,omitempty"`
	// Stanzas are the PostgreSQL stanzas' policies: RPO, RTO, retention,
	// drills. A pgbackrest job names one.
	Stanzas []BackupStanza `yaml:"stanzas,omitempty"`
	// Jobs are the backups ward runs itself.
	Jobs []BackupJob `yaml:"jobs,omitempty"`
	// Watched are the jobs that run elsewhere and report by pinging
	// /ping/{token} (the Healthchecks format).
	Watched []WatchedJob `yaml:"watched,omitempty"`
	// RestoreTargets are the only directories a restore (other than a
	// drill) may write into. Never a production data directory.
	RestoreTargets []RestoreTarget `yaml:"restore_targets,omitempty"`
	// Digest, when set, sends one success digest a day through a
	// receiver of the alerting section.
	Digest *BackupDigest `yaml:"digest,omitempty"`
}

// BackupStanza is one pgBackRest stanza and the promises made about it.
type BackupStanza struct {
	// Name is the pgBackRest stanza name.
	Name string `yaml:"name"`
	// Config is pgbackrest.conf's path (pgbackrest --config).
	Config string `yaml:"config"`
	// Check names the postgres check whose connection reads
	// pg_stat_archiver and the production row counts for drills.
	Check string `yaml:"check,omitempty"`
	// DataDirs are the production data directories (pg1-path and any
	// others on this host). Restores refuse a path equal to or inside
	// any of them; pgbackrest.conf's pg*-path values are added.
	DataDirs []string `yaml:"data_dirs,omitempty"`
	// PGBin is where initdb, postgres and pg_ctl are
	// (default: the newest /usr/lib/postgresql/*/bin).
	PGBin string `yaml:"pg_bin,omitempty"`
	// TimeZone is the policy's zone for retention buckets and drill
	// schedules (default UTC).
	TimeZone string `yaml:"time_zone,omitempty"`
	// RPO is the most data the company accepts to lose (default 1h).
	RPO model.Duration `yaml:"rpo,omitempty"`
	// RTO is the longest a recovery may take (default 4h).
	RTO model.Duration `yaml:"rto,omitempty"`
	// Timeout bounds each pgbackrest call (info, check, expire): a broken
	// repository makes pgBackRest retry for minutes (default 3m).
	Timeout   model.Duration  `yaml:"timeout,omitempty"`
	Retention BackupRetention `yaml:"retention"`
	Drill     BackupDrill     `yaml:"drill"`
	// Env lists the environment variables ward passes to pgbackrest
	// (an allowlist; nothing else of ward's environment is passed).
	Env []string `yaml:"env,omitempty"`
	// EnvFiles sets variables from files (secrets such as
	// PGBACKREST_REPO1_S3_KEY_SECRET), read at each run.
	EnvFiles map[string]string `yaml:"env_files,omitempty"`
}

// BackupRetention is a grandfather-father-son policy: how many
// restorable backups per calendar bucket must exist.
type BackupRetention struct {
	// Daily (default 30), Weekly (ISO weeks, default 26), Monthly and
	// Yearly (default 0: not required) bucket counts.
	Daily   *int `yaml:"daily,omitempty"`
	Weekly  *int `yaml:"weekly,omitempty"`
	Monthly *int `yaml:"monthly,omitempty"`
	Yearly  *int `yaml:"yearly,omitempty"`
	// MaxAge is the longest a backup may be kept (the personal-data
	// promise); 0 means no limit. Must cover the buckets asked for.
	MaxAge model.Duration `yaml:"max_age,omitempty"`
	// Grace is how long after a bucket's scheduled backup the current
	// bucket still counts as not yet due (default 2h).
	Grace model.Duration `yaml:"grace,omitempty"`
}

// BackupDrill schedules restore drills of a stanza and says what a
// restored copy must show.
type BackupDrill struct {
	// Schedule is a cron expression (default weekly: "0 4 * * 0");
	// "off" disables scheduled drills (on-demand ones still work).
	Schedule string `yaml:"schedule,omitempty"`
	// Timeout bounds a whole drill (default: the stanza's RTO).
	Timeout    model.Duration        `yaml:"timeout,omitempty"`
	Assertions BackupDrillAssertions `yaml:"assertions"`
}

// BackupDrillAssertions are checked on the restored copy after SELECT 1.
type BackupDrillAssertions struct {
	// Database is the database the assertions run in (default postgres).
	Database string `yaml:"database,omitempty"`
	// RowCounts compares each table's row count with production's.
	RowCounts []string `yaml:"row_counts,omitempty"`
	// RowCountTolerance is the allowed relative difference (default 0.05).
	RowCountTolerance float64 `yaml:"row_count_tolerance,omitempty"`
	// DjangoMigrations compares the latest django_migrations row.
	DjangoMigrations bool `yaml:"django_migrations,omitempty"`
	// Freshness: the newest Column in Table must not be older than the
	// backup's stop time minus the RPO.
	Freshness *BackupFreshness `yaml:"freshness,omitempty"`
	// SQL are the user's own assertions.
	SQL []BackupSQLAssertion `yaml:"sql,omitempty"`
}

// BackupFreshness names a table and its timestamp column.
type BackupFreshness struct {
	Table  string `yaml:"table"`
	Column string `yaml:"column"`
}

// BackupSQLAssertion is one query whose first column of its first row,
// in PostgreSQL's text form, must equal Expect.
type BackupSQLAssertion struct {
	Name   string `yaml:"name"`
	Query  string `yaml:"query"`
	Expect string `yaml:"expect"`
}

// Kinds of backup job.
const (
	BackupKindPgBackRest = "pgbackrest"
	BackupKindCommand    = "command"
	// BackupKindSelf backs up ward itself (issue 14; backups_self.go).
	BackupKindSelf = "self"
)

// BackupJob is a backup ward runs on schedule.
type BackupJob struct {
	// Name is unique among jobs and watched jobs: [a-z][a-z0-9-]{0,31}.
	Name string `yaml:"name"`
	// Kind is pgbackrest or command.
	Kind string `yaml:"kind"`
	// Stanza (pgbackrest) names a stanza of this section.
	Stanza string `yaml:"stanza,omitempty"`
	// Schedules (pgbackrest): one backup type per cron schedule, e.g.
	// full on Sunday, diff the other days. Default: full daily 02:00.
	Schedules []BackupSchedule `yaml:"schedules,omitempty"`
	// Expire (pgbackrest, default true) runs pgbackrest expire after a
	// successful backup.
	Expire *bool `yaml:"expire,omitempty"`
	// Command (command): the argv, run without a shell.
	Command []string `yaml:"command,omitempty"`
	// Schedule (command): cron (default "0 2 * * *").
	Schedule string `yaml:"schedule,omitempty"`
	// TimeZone of the schedules (default UTC).
	TimeZone string `yaml:"time_zone,omitempty"`
	// Timeout bounds a run; it is then killed and recorded failed
	// (default 6h).
	Timeout model.Duration `yaml:"timeout,omitempty"`
	// Env and EnvFiles as for a stanza.
	Env      []string          `yaml:"env,omitempty"`
	EnvFiles map[string]string `yaml:"env_files,omitempty"`
	// Grace: a scheduled run that has not succeeded this long after its
	// time is missed (default 1h).
	Grace model.Duration `yaml:"grace,omitempty"`
	// MinDuration and MinBytes flag a run that finished suspiciously
	// fast or small (0: not checked); SizeDrop flags a run smaller than
	// this fraction of the median of the last 7 (default 0.5; 0 off).
	MinDuration model.Duration `yaml:"min_duration,omitempty"`
	SizeDrop    *float64       `yaml:"size_drop,omitempty"`
	// Digest includes this job's successes in the daily digest.
	Digest bool `yaml:"digest,omitempty"`
	// Self-backup (kind self, issue 14): the keys of backups_self.go.
	BackupSelfJob `yaml:",inline"`
}

// BackupSchedule is one cron schedule of a pgbackrest job.
type BackupSchedule struct {
	Cron string `yaml:"cron"`
	// Type is full, diff or incr.
	Type string `yaml:"type"`
}

// WatchedJob is a job that reports by pinging ward.
type WatchedJob struct {
	Name string `yaml:"name"`
	// The ping token (the {token} of /ping/{token}): a UUID or at least
	// 22 URL-safe characters; a secret, so only from a file or env.
	TokenEnv  string `yaml:"token_env,omitempty"`
	TokenFile string `yaml:"token_file,omitempty"`
	// Schedule is cron (with TimeZone) or Period ("1d"); one is required.
	Schedule string         `yaml:"schedule,omitempty"`
	TimeZone string         `yaml:"time_zone,omitempty"`
	Period   model.Duration `yaml:"period,omitempty"`
	// StartGrace: how late the start (or, without /start, the success)
	// may be after the scheduled time (default 1h).
	StartGrace model.Duration `yaml:"start_grace,omitempty"`
	// RunGrace: how long a started run may take (default 1h).
	RunGrace model.Duration `yaml:"run_grace,omitempty"`
	// MinDuration: a run that finishes faster is suspicious (0: off).
	MinDuration model.Duration `yaml:"min_duration,omitempty"`
	// MaxRuns per schedule period; more is suspicious (0: off).
	MaxRuns int `yaml:"max_runs,omitempty"`
	// SizeDrop as for a job, from the success ping's `bytes=` field.
	SizeDrop *float64 `yaml:"size_drop,omitempty"`
	Digest   bool     `yaml:"digest,omitempty"`
}

// RestoreTarget is a directory a restore may write into, for staging.
type RestoreTarget struct {
	Name string `yaml:"name"`
	Path string `yaml:"path"`
}

// BackupDigest sends the daily success digest.
type BackupDigest struct {
	// Receiver names a receiver of the alerting section.
	Receiver string `yaml:"receiver"`
	// At is the local time of day, "HH:MM" (default "08:00").
	At       string `yaml:"at,omitempty"`
	TimeZone string `yaml:"time_zone,omitempty"`
}
