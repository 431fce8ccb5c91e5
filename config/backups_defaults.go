package config

import (
	"time"

	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"
)

// Defaults of the backups section (issue 12), in one place. A zero value
// in a field documented with a default means "the default"; pointer
// fields (retention counts, expire, size_drop) tell an explicit 0 or
// false from an absent key.
const (
	DefaultBackupSchedule    = "0 2 * * *"
	DefaultBackupTimeZone    = "UTC"
	DefaultBackupTimeout     = 6 * time.Hour
	DefaultBackupGrace       = time.Hour
	DefaultBackupSizeDrop    = 0.5
	DefaultStanzaRPO         = time.Hour
	DefaultStanzaRTO         = 4 * time.Hour
	DefaultStanzaTimeout     = 3 * time.Minute
	DefaultRetentionDaily    = 30
	DefaultRetentionWeekly   = 26
	DefaultRetentionGrace    = 2 * time.Hour
	DefaultDrillSchedule     = "0 4 * * 0"
	DefaultDrillDatabase     = "postgres"
	DefaultRowCountTolerance = 0.05
	DefaultWatchedGrace      = time.Hour
	DefaultDigestAt          = "08:00"
	BackupScheduleOff        = "off"
	DefaultBackupType        = "full"
)

// cronParser reads the standard five fields (minute hour day-of-month
// month day-of-week) and the descriptors (@daily, @every 1h, ...).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseBackupSchedule parses a backups cron expression in the named
// time zone ("" is UTC). The expression may not carry its own TZ= or
// CRON_TZ= prefix: the zone is the time_zone key's.
func ParseBackupSchedule(spec, timeZone string) (cron.Schedule, error) {
	loc, err := backupLocation(timeZone)
	if err != nil {
		return nil, err
	}
	if len(spec) >= 3 && (spec[:3] == "TZ=" || len(spec) >= 8 && spec[:8] == "CRON_TZ=") {
		return nil, errCronZone
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, err
	}
	if sp, ok := s.(*cron.SpecSchedule); ok {
		sp.Location = loc
	}
	return s, nil
}

// backupLocation loads a time zone by its IANA name ("" is UTC).
func backupLocation(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(name)
}

// Location returns the job's time zone (validated by Load).
func (j BackupJob) Location() *time.Location { return mustLocation(j.TimeZone) }

// Location returns the stanza's policy time zone (validated by Load).
func (s BackupStanza) Location() *time.Location { return mustLocation(s.TimeZone) }

func mustLocation(name string) *time.Location {
	loc, err := backupLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ExpireAfter says whether a pgbackrest job runs expire after a backup.
func (j BackupJob) ExpireAfter() bool { return j.Expire == nil || *j.Expire }

// applyDefaults fills every field left out with its default.
func (b *Backups) applyDefaults() {
	for i := range b.Stanzas {
		s := &b.Stanzas[i]
		setString(&s.TimeZone, DefaultBackupTimeZone)
		setDuration(&s.RPO, DefaultStanzaRPO)
		setDuration(&s.RTO, DefaultStanzaRTO)
		setDuration(&s.Timeout, DefaultStanzaTimeout)
		setInt(&s.Retention.Daily, DefaultRetentionDaily)
		setInt(&s.Retention.Weekly, DefaultRetentionWeekly)
		setInt(&s.Retention.Monthly, 0)
		setInt(&s.Retention.Yearly, 0)
		setDuration(&s.Retention.Grace, DefaultRetentionGrace)
		setString(&s.Drill.Schedule, DefaultDrillSchedule)
		setDuration(&s.Drill.Timeout, time.Duration(s.RTO))
		setString(&s.Drill.Assertions.Database, DefaultDrillDatabase)
		if s.Drill.Assertions.RowCountTolerance == 0 {
			s.Drill.Assertions.RowCountTolerance = DefaultRowCountTolerance
		}
	}
	for i := range b.Jobs {
		j := &b.Jobs[i]
		switch j.Kind {
		case BackupKindPgBackRest:
			if len(j.Schedules) == 0 {
				j.Schedules = []BackupSchedule{{Cron: DefaultBackupSchedule, Type: DefaultBackupType}}
			}
			if j.Expire == nil {
				t := true
				j.Expire = &t
			}
		case BackupKindCommand:
			setString(&j.Schedule, DefaultBackupSchedule)
		case BackupKindSelf:
			j.applySelfDefaults()
		}
		setString(&j.TimeZone, DefaultBackupTimeZone)
		setDuration(&j.Timeout, DefaultBackupTimeout)
		setDuration(&j.Grace, DefaultBackupGrace)
		setFloat(&j.SizeDrop, DefaultBackupSizeDrop)
	}
	for i := range b.Watched {
		w := &b.Watched[i]
		setString(&w.TimeZone, DefaultBackupTimeZone)
		setDuration(&w.StartGrace, DefaultWatchedGrace)
		setDuration(&w.RunGrace, DefaultWatchedGrace)
		setFloat(&w.SizeDrop, DefaultBackupSizeDrop)
	}
	if b.Digest != nil {
		setString(&b.Digest.At, DefaultDigestAt)
		setString(&b.Digest.TimeZone, DefaultBackupTimeZone)
	}
}

func setString(p *string, def string) {
	if *p == "" {
		*p = def
	}
}

func setDuration(p *model.Duration, def time.Duration) {
	if *p == 0 {
		*p = model.Duration(def)
	}
}

func setInt(p **int, def int) {
	if *p == nil {
		v := def
		*p = &v
	}
}

func setFloat(p **float64, def float64) {
	if *p == nil {
		v := def
		*p = &v
	}
}
