package backups

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/config"
)

func TestReadRepoConf(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pgbackrest.conf")
	conf := `# comment
[global]
repo1-type=s3
repo1-path = /backups
repo1-s3-bucket=global-bucket
repo1-s3-key=from-file

[global:archive-push]
repo1-s3-bucket=push-only

[main]
repo1-s3-bucket=main-bucket
pg1-path=/var/lib/postgresql/15/main

[other]
repo1-path=/elsewhere
`
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := readRepoConf(file, "main", []string{"PATH=/bin", "PGBACKREST_REPO1_S3_KEY=from-env", "PGBACKREST_REPO1_S3_KEY_SECRET=s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"repo1-type": "s3", "repo1-path": "/backups", "repo1-s3-bucket": "main-bucket",
		"repo1-s3-key": "from-env", "repo1-s3-key-secret": "s3cret", "repo1-s3-region": "",
	} {
		if got := c.get(key, ""); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if err := os.WriteFile(file, []byte("[global]\nrepo1-path\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readRepoConf(file, "main", nil); err == nil || !strings.Contains(err.Error(), ":2: want key=value") {
		t.Errorf("bad line: %v", err)
	}
	if _, err := readRepoConf(filepath.Join(dir, "missing.conf"), "main", nil); err == nil {
		t.Error("missing file: no error")
	}
}

// TestNewestPosixWAL: the newest file of the newest WAL directories of
// the newest archive id counts; an older history id and an older WAL
// directory with a newer file time do not.
func TestNewestPosixWAL(t *testing.T) {
	repo := t.TempDir()
	base := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	put := func(rel string, at time.Time) {
		t.Helper()
		p := filepath.Join(repo, "archive", "main", rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("wal"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	put("archive.info", base.Add(time.Hour))
	put("15-1/0000000100000000/000000010000000000000001-abc.gz", base.Add(5*time.Hour)) // old history id
	put("15-2/0000000100000000/000000010000000000000009-abc.gz", base.Add(3*time.Hour)) // three dirs back
	put("15-2/0000000100000001/000000010000000100000001-abc.gz", base.Add(time.Minute))
	put("15-2/0000000100000002/000000010000000200000001-abc.gz", base.Add(2*time.Minute))
	put("15-2/0000000100000002/000000010000000200000002-abc.gz", base.Add(4*time.Minute))
	put("15-2/00000002.history", base.Add(30*time.Second))
	got, err := newestPosixWAL(context.Background(), filepath.Join(repo, "archive", "main"))
	if err != nil {
		t.Fatal(err)
	}
	if want := base.Add(4 * time.Minute); !got.Equal(want) {
		t.Errorf("newest %s, want %s", got, want)
	}
	if _, err := newestPosixWAL(context.Background(), filepath.Join(repo, "archive", "none")); err == nil {
		t.Error("missing stanza: no error")
	}
	st := config.BackupStanza{Name: "main", Config: filepath.Join(repo, "pgbackrest.conf")}
	if err := os.WriteFile(st.Config, []byte("[global]\nrepo1-type=gcs\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := newestRepoWAL(context.Background(), st); err == nil || !strings.Contains(err.Error(), "repo1-type gcs is not supported") {
		t.Errorf("gcs: %v", err)
	}
}

func TestRPOSides(t *testing.T) {
	at := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	now := at.Add(10 * time.Minute)
	tests := []struct {
		name      string
		m         rpoSides
		wantNow   time.Duration
		archiver  string // age or "-" when absent
		repo      string
		failing   bool
		lag       string
		wantError string
	}{
		{
			name:    "both level",
			m:       rpoSides{ArchivedAt: at, RepoAt: at.Add(-time.Second), MeasuredAt: now},
			wantNow: 10*time.Minute + time.Second, archiver: "10m0s", repo: "10m1s", lag: "1s",
		},
		{
			name:    "repository behind the archiver",
			m:       rpoSides{ArchivedAt: at, RepoAt: at.Add(-5 * time.Minute), MeasuredAt: now},
			wantNow: 15 * time.Minute, archiver: "10m0s", repo: "15m0s", lag: "5m0s",
		},
		{
			name:    "archiver failing",
			m:       rpoSides{ArchivedAt: at, FailedAt: at.Add(time.Minute), RepoAt: at, MeasuredAt: now},
			wantNow: 10 * time.Minute, archiver: "10m0s", repo: "10m0s", failing: true, lag: "0s",
		},
		{
			name:    "idle and caught up: measured now",
			m:       rpoSides{ArchivedAt: at, RepoAt: at, CaughtUp: true, MeasuredAt: now.Add(-15 * time.Second)},
			wantNow: 15 * time.Second, archiver: "15s", repo: "15s", lag: "0s",
		},
		{
			name:    "caught up but the repository lacks it",
			m:       rpoSides{ArchivedAt: at, RepoAt: at.Add(-5 * time.Minute), CaughtUp: true, MeasuredAt: now},
			wantNow: 15 * time.Minute, archiver: "0s", repo: "15m0s", lag: "5m0s",
		},
		{
			name:    "archiver unreachable",
			m:       rpoSides{RepoAt: at, ArchiverErr: errors.New("archiver: connect: refused"), MeasuredAt: now},
			wantNow: 10 * time.Minute, archiver: "-", repo: "10m0s", lag: "-", wantError: "archiver: connect: refused",
		},
		{
			name:    "nothing measured",
			m:       rpoSides{ArchiverErr: errors.New("a"), RepoErr: errors.New("b")},
			wantNow: 0, archiver: "-", repo: "-", lag: "-", wantError: "a; b",
		},
	}
	age := func(d time.Duration, ok bool) string {
		if !ok {
			return "-"
		}
		return d.String()
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.m.rpo(time.Hour, now)
			if r.Now != tc.wantNow || r.Error != tc.wantError || r.Target != time.Hour {
				t.Errorf("rpo %+v, want now %s error %q", r, tc.wantNow, tc.wantError)
			}
			if got := age(tc.m.archiverAge(now)); got != tc.archiver {
				t.Errorf("archiver age %s, want %s", got, tc.archiver)
			}
			if got := age(tc.m.repoAge(now)); got != tc.repo {
				t.Errorf("repository age %s, want %s", got, tc.repo)
			}
			if tc.m.failing() != tc.failing {
				t.Errorf("failing %v", tc.m.failing())
			}
			if got := age(tc.m.repoLag()); got != tc.lag {
				t.Errorf("lag %s, want %s", got, tc.lag)
			}
		})
	}
}

func TestPITRWindow(t *testing.T) {
	at := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	inv := []Backup{
		{Label: "a", Stop: at, Restorable: false},
		{Label: "b", Stop: at.Add(time.Hour), Restorable: true, Error: true},
		{Label: "c", Stop: at.Add(2 * time.Hour), Restorable: true},
		{Label: "d", Stop: at.Add(26 * time.Hour), Restorable: true},
	}
	from, to := pitrWindow(inv, at.Add(30*time.Hour))
	if !from.Equal(at.Add(2*time.Hour)) || !to.Equal(at.Add(30*time.Hour)) {
		t.Errorf("window %s .. %s", from, to)
	}
	if from, to := pitrWindow(inv[:2], at.Add(30*time.Hour)); !from.IsZero() || !to.IsZero() {
		t.Errorf("no restorable backup: window %s .. %s", from, to)
	}
}

// TestMeasureArchiverNoCheck: a stanza without a check, or a check that
// is not configured, is an error naming it, not a zero RPO.
func TestMeasureArchiverNoCheck(t *testing.T) {
	ctx := context.Background()
	if _, _, _, err := measureArchiver(ctx, nil, ""); err == nil || !strings.Contains(err.Error(), "names no postgres check") {
		t.Errorf("no check: %v", err)
	}
	connect := PostgresConnector(func() []config.Check {
		return []config.Check{{Name: "redis", Kind: config.CheckRedis, Timeout: model.Duration(time.Second)}}
	})
	if _, _, _, err := measureArchiver(ctx, connect, "db"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown check: %v", err)
	}
	if _, _, _, err := measureArchiver(ctx, connect, "redis"); err == nil || !strings.Contains(err.Error(), "not a postgres check") {
		t.Errorf("redis check: %v", err)
	}
}
