package config

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Defaults and bounds of a self-backup job (kind self, issue 14).
const (
	// DefaultSelfKeep is how many snapshots a self job keeps.
	DefaultSelfKeep = 14
	// DefaultSelfDrillSchedule restores the newest snapshot weekly, so
	// that a restore test is never more than 30 days old.
	DefaultSelfDrillSchedule = "0 5 * * 0"
	maxSelfKeep              = 1000
)

// BackupSelfJob is a self job's own keys: where ward's snapshots of
// itself go, how many are kept, and when the newest is restored as a
// test. A self job runs on Schedule like a command job.
type BackupSelfJob struct {
	// Destination is an absolute directory or s3://bucket/prefix.
	Destination string `yaml:"destination,omitempty"`
	// S3Check names the S3 check (section checks) whose endpoint,
	// region, credentials and TLS settings reach the bucket; default the
	// only S3 check of that bucket.
	S3Check string `yaml:"s3_check,omitempty"`
	// Keep is how many snapshots stay at the destination (default 14);
	// older ones are deleted after each successful run.
	Keep int `yaml:"keep,omitempty"`
	// DrillSchedule is the cron of the restore test (default weekly,
	// "0 5 * * 0"); "off" disables it.
	DrillSchedule string `yaml:"drill_schedule,omitempty"`
}

// applySelfDefaults fills a self job's keys left out.
func (j *BackupJob) applySelfDefaults() {
	setString(&j.Schedule, DefaultBackupSchedule)
	setString(&j.DrillSchedule, DefaultSelfDrillSchedule)
	if j.Keep == 0 {
		j.Keep = DefaultSelfKeep
	}
}

// validateSelfJob checks a self job's keys, and that it sets none of the
// other kinds'.
func validateSelfJob(v *pathValidator, p string, j *BackupJob) {
	if j.Stanza != "" {
		v.add(p+".stanza", "not used by kind self")
	}
	if len(j.Schedules) > 0 {
		v.add(p+".schedules", "kind self takes one schedule")
	}
	if j.Expire != nil {
		v.add(p+".expire", "not used by kind self")
	}
	if len(j.Command) > 0 {
		v.add(p+".command", "not used by kind self")
	}
	if len(j.Env) > 0 || len(j.EnvFiles) > 0 {
		v.add(p+".env", "not used by kind self")
	}
	cronSpec(v, p+".schedule", j.Schedule, j.TimeZone)
	if j.DrillSchedule != "off" {
		cronSpec(v, p+".drill_schedule", j.DrillSchedule, j.TimeZone)
	}
	if j.Keep < 1 || j.Keep > maxSelfKeep {
		v.add(p+".keep", "must be between 1 and %d, got %d", maxSelfKeep, j.Keep)
	}
	d := j.Destination
	switch rest, s3 := strings.CutPrefix(d, "s3://"); {
	case d == "":
		v.add(p+".destination", "required: an absolute directory or s3://bucket/prefix")
	case s3:
		if bucket, _, _ := strings.Cut(rest, "/"); !s3BucketRE.MatchString(bucket) {
			v.add(p+".destination", "want s3://bucket/prefix with an S3 bucket name, got %q", clipValue(d))
		}
	case !filepath.IsAbs(d) || filepath.Clean(d) == "/" || strings.ContainsRune(d, 0):
		v.add(p+".destination", "want an absolute directory (not /) or s3://bucket/prefix, got %q", clipValue(d))
	}
	if j.S3Check != "" && !strings.HasPrefix(d, "s3://") {
		v.add(p+".s3_check", "only for an s3:// destination")
	}
}

// validateSelfJobs checks that each self job's S3 destination has an S3
// check to take its settings from, and that no directory destination is
// inside the data directory (a backup that dies with what it backs up).
func (c *Config) validateSelfJobs(v *pathValidator) {
	for i, j := range c.Backups.Jobs {
		if j.Kind != BackupKindSelf {
			continue
		}
		p := fmt.Sprintf("jobs[%d]", i)
		rest, s3 := strings.CutPrefix(j.Destination, "s3://")
		if !s3 {
			if filepath.IsAbs(j.Destination) && c.Storage.Path != "" && pathWithin(filepath.Clean(j.Destination), filepath.Clean(c.Storage.Path)) {
				v.add(p+".destination", "inside the data directory %s: put snapshots on other storage", c.Storage.Path)
			}
			continue
		}
		bucket, _, _ := strings.Cut(rest, "/")
		var matches []string
		for _, ch := range c.Checks {
			spec, ok := ch.Spec.(*S3Check)
			if !ok {
				continue
			}
			if (j.S3Check != "" && ch.Name == j.S3Check) || (j.S3Check == "" && spec.Bucket == bucket) {
				matches = append(matches, ch.Name)
			}
		}
		switch {
		case j.S3Check != "" && len(matches) == 0:
			v.add(p+".s3_check", "no S3 check named %q in checks", clipValue(j.S3Check))
		case len(matches) == 0:
			v.add(p+".destination", "no S3 check of bucket %q in checks to take the endpoint and credentials from", clipValue(bucket))
		case len(matches) > 1:
			v.add(p+".s3_check", "S3 checks %s all reach bucket %q: name one", strings.Join(matches, ", "), clipValue(bucket))
		}
	}
}
