package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestBackupsDefaults(t *testing.T) {
	doc := `
checks:
  - {name: db, kind: postgres, dsn: "postgres://ward@127.0.0.1:5432/app"}
backups:
  run_as: postgres
  stanzas:
    - name: main
      config: pgbackrest.conf
      check: db
      env_files: {PGBACKREST_REPO1_S3_KEY_SECRET: /run/secrets/s3}
  jobs:
    - {name: nightly, kind: pgbackrest, stanza: main}
    - name: media
      kind: command
      command: [restic, backup, --json, /srv/media]
      time_zone: Europe/Berlin
      size_drop: 0
  watched:
    - {name: offsite, token_file: ping.token, period: 1d}
`
	cfg, err := Load([]byte(doc), "/etc/ward/ward.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := cfg.Backups
	s := b.Stanzas[0]
	if s.Config != "/etc/ward/pgbackrest.conf" || time.Duration(s.RPO) != time.Hour || time.Duration(s.RTO) != 4*time.Hour ||
		*s.Retention.Daily != 30 || *s.Retention.Weekly != 26 || *s.Retention.Monthly != 0 || s.Drill.Schedule != "0 4 * * 0" ||
		s.Drill.Timeout != s.RTO || s.Drill.Assertions.Database != "postgres" || s.TimeZone != "UTC" {
		t.Errorf("stanza defaults: %+v", s)
	}
	nightly, media := b.Jobs[0], b.Jobs[1]
	if len(nightly.Schedules) != 1 || nightly.Schedules[0] != (BackupSchedule{Cron: "0 2 * * *", Type: "full"}) || !nightly.ExpireAfter() ||
		time.Duration(nightly.Timeout) != 6*time.Hour || time.Duration(nightly.Grace) != time.Hour || *nightly.SizeDrop != 0.5 {
		t.Errorf("pgbackrest job defaults: %+v", nightly)
	}
	if media.Schedule != "0 2 * * *" || *media.SizeDrop != 0 || media.Location().String() != "Europe/Berlin" {
		t.Errorf("command job defaults: %+v", media)
	}
	if w := b.Watched[0]; w.TokenFile != "/etc/ward/ping.token" || time.Duration(w.StartGrace) != time.Hour || time.Duration(w.RunGrace) != time.Hour {
		t.Errorf("watched defaults: %+v", w)
	}
	// The printed config names the env file's path, never a secret.
	if out := cfg.String(); !strings.Contains(out, "/run/secrets/s3") {
		t.Errorf("printed config lacks the backups section:\n%s", out)
	}
}

func TestParseBackupSchedule(t *testing.T) {
	from := time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		spec, zone string
		want       time.Time
	}{
		{"0 2 * * *", "", time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC)},
		// Berlin moves to summer time on 29 March 2026: 03:00 CEST is 01:00 UTC.
		{"0 3 * * *", "Europe/Berlin", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)},
		{"@weekly", "UTC", time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)},
		{"@every 90m", "UTC", from.Add(90 * time.Minute)},
	} {
		s, err := ParseBackupSchedule(tc.spec, tc.zone)
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if got := s.Next(from); !got.Equal(tc.want) {
			t.Errorf("%q in %q: next %v, want %v", tc.spec, tc.zone, got.UTC(), tc.want)
		}
	}
	for _, bad := range []string{"", "0 2 * * * *", "CRON_TZ=UTC 0 2 * * *", "TZ=UTC 0 2 * * *", "@fortnightly", "0 24 * * *"} {
		if _, err := ParseBackupSchedule(bad, "UTC"); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestExampleBackupsLoads uncomments the backups example in
// config.example.yaml and loads it (with the postgres check it names),
// so the commented example cannot rot.
func TestExampleBackupsLoads(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := []string{"checks:", `  - {name: db, kind: postgres, dsn: "postgres://ward@127.0.0.1:5432/app"}`}
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		if line == "# backups:" {
			in = true
		}
		if in {
			if line == "" {
				break
			}
			doc = append(doc, strings.TrimPrefix(strings.TrimPrefix(line, "#"), " "))
		}
	}
	if len(doc) < 10 {
		t.Fatal("config.example.yaml has no commented backups section")
	}
	cfg, err := Load([]byte(strings.Join(doc, "\n")), "/etc/ward/example-backups.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(doc, "\n"))
	}
	b := cfg.Backups
	if len(b.Stanzas) != 1 || len(b.Jobs) != 3 || b.Jobs[2].Kind != BackupKindSelf || len(b.Watched) != 1 || len(b.RestoreTargets) != 1 || b.Digest == nil ||
		len(b.Jobs[0].Schedules) != 2 || b.Stanzas[0].Drill.Assertions.Freshness == nil || len(b.Stanzas[0].Drill.Assertions.SQL) != 1 {
		t.Errorf("example backups section decoded as %+v", b)
	}
}

func FuzzParseBackupSchedule(f *testing.F) {
	for _, s := range []string{"0 2 * * *", "@every 1m", "@daily", "0 0 30 2 *", "*/5 1-3 * JAN-MAR MON,FRI", "TZ=UTC 0 2 * * *"} {
		f.Add(s, "UTC")
	}
	f.Add("0 3 * * *", "Europe/Berlin")
	f.Fuzz(func(t *testing.T, spec, zone string) {
		s, err := ParseBackupSchedule(spec, zone)
		if err != nil {
			return
		}
		from := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
		if next := s.Next(from); !next.IsZero() && !next.After(from) {
			t.Fatalf("%q in %q: next %v is not after %v", spec, zone, next, from)
		}
	})
}

// TestBackupScheduleBounds: @every is at least a minute, and a
// watched job's period too.
func TestBackupScheduleBounds(t *testing.T) {
	doc := `backups:
  jobs:
    - {name: often, kind: command, command: [/bin/true], schedule: "@every 10s"}
  watched:
    - {name: pinger, token_env: PING_TOKEN, period: 30s}
`
	_, err := Load([]byte(doc), "b.yaml")
	for _, want := range []string{
		`b.yaml:3:68: backups.jobs[0].schedule: "@every 10s": at most one run a minute`,
		`b.yaml:5:53: backups.watched[0].period: must be between 1m and 366d, got 30s`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestBackupsProblemsWithStrictErrors: an unknown key elsewhere does not
// hide the backups section's own problems.
func TestBackupsProblemsWithStrictErrors(t *testing.T) {
	doc := `server:
  listne: 127.0.0.1:9740
backups:
  jobs:
    - {name: Bad, kind: command, command: [/bin/true]}
    - {name: db, kind: pgbackrest, stanza: main, timeot: 1h}
  digest: {receiver: team}
`
	_, err := Load([]byte(doc), "s.yaml")
	for _, want := range []string{
		"s.yaml:2:3: server.listne: unknown key",
		`s.yaml:5:14: backups.jobs[0].name: "Bad": want a lower-case letter`,
		`s.yaml:6:50: backups.jobs[1].timeot: unknown key`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	// The stanza reference is checked too; the receiver needs the
	// alerting section, which the strict pass never reached.
	if !strings.Contains(err.Error(), `backups.jobs[1].stanza: no stanza named "main"`) || strings.Contains(err.Error(), "receiver") {
		t.Errorf("lenient pass: %v", err)
	}
}

// TestBackupsBadValueOnly (T12): a bad value in one stanza key is the
// only problem reported for that stanza; the lenient pass does not lose
// the stanza's other keys and call them missing.
func TestBackupsBadValueOnly(t *testing.T) {
	doc := `backups:
  stanzas:
    - name: main
      config: /etc/pgbackrest/pgbackrest.conf
      rto: 30 minutes
`
	_, err := Load([]byte(doc), "s.yaml")
	if err == nil || !strings.Contains(err.Error(), "s.yaml:5:12: backups.stanzas[0].rto:") {
		t.Fatalf("error lacks the rto problem:\n%v", err)
	}
	for _, never := range []string{"stanzas[0].name", "stanzas[0].config"} {
		if strings.Contains(err.Error(), never) {
			t.Errorf("error names %s, which is set:\n%v", never, err)
		}
	}
}
