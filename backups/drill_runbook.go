package backups

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// runbook is the production recovery runbook: the commands an operator
// types on the database host, with the stanza, its config, the data
// directory and the target time filled in (zero target: the end of the
// archived WAL, the latest point). ward never runs these itself: a
// restore into production is a person's decision.
func (d *drills) runbook(stanza string, target time.Time) (string, error) {
	d.mu.Lock()
	cfg := d.cfg
	d.mu.Unlock()
	st, ok := findStanza(cfg, stanza)
	if !ok {
		return "", fmt.Errorf("%w: stanza %q", ErrNotFound, stanza)
	}
	return runbookText(st, cfg.RunAs, target), nil
}

func runbookText(st config.BackupStanza, runAs string, target time.Time) string {
	user := runAs
	if user == "" {
		user = "postgres"
	}
	conf := stanzaOptions(st.Config, st.Name)
	data := "/var/lib/postgresql/15/main"
	dataKnown := false
	if p := conf["pg1-path"]; p != "" {
		data, dataKnown = p, true
	} else if len(st.DataDirs) > 0 {
		data, dataKnown = st.DataDirs[0], true
	}
	psql := "psql"
	for _, o := range []struct{ key, flag string }{{"pg1-socket-path", "-h"}, {"pg1-port", "-p"}, {"pg1-user", "-U"}} {
		if v := conf[o.key]; v != "" {
			psql += " " + o.flag + " " + shellQuote(v)
		}
	}
	bin, err := pgBin(st.PGBin)
	if err != nil {
		bin = "/usr/lib/postgresql/15/bin"
	}
	pgCtl := shellQuote(filepath.Join(bin, "pg_ctl"))
	as := "sudo -u " + shellQuote(user) + " "
	dataArg := shellQuote(data)
	restore := []string{"pgbackrest", "--config=" + shellQuote(st.Config), "--stanza=" + shellQuote(st.Name), "--delta"}
	point := "the latest point: the end of the archived WAL"
	if !target.IsZero() {
		t := target.UTC().Format("2006-01-02 15:04:05.999999-07")
		point = t + " (UTC)"
		restore = append(restore, "--type=time", shellQuote("--target="+t), "--target-action=promote")
	}
	restore = append(restore, "restore")
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("# Recovery runbook: stanza %s, recovering to %s.", commentText(st.Name), point)
	w("# Run on the database host. Every command is shown in full; nothing here is run by ward.")
	if !dataKnown {
		// On a line of its own: a comment inside a command would
		// comment out the rest of it.
		w("# CHECK: no pg1-path found in %s and no data_dirs set: the data directory %s below is a guess; replace it.",
			commentText(st.Config), data)
	}
	w("")
	w("# 1. Stop PostgreSQL (applications lose the database from here on).")
	w("%s%s -D %s -m fast -w stop", as, pgCtl, dataArg)
	w("")
	w("# 2. Restore over the data directory; --delta keeps files whose checksum matches.")
	w("%s%s", as, strings.Join(restore, " "))
	w("")
	if target.IsZero() {
		w("# 3. Start PostgreSQL; it replays all archived WAL, then promotes.")
	} else {
		w("# 3. Start PostgreSQL; it replays WAL up to the target, then promotes.")
	}
	w("%s%s -D %s -w -t 3600 start", as, pgCtl, dataArg)
	w("")
	w("# 4. Verify: recovery has ended (f), the database answers, the data is what you expect.")
	w("%s%s -Atc 'SELECT pg_is_in_recovery()'", as, psql)
	w("%s%s -Atc 'SELECT 1'", as, psql)
	w("%spgbackrest --config=%s --stanza=%s check", as, shellQuote(st.Config), shellQuote(st.Name))
	w("")
	w("# 5. Take a full backup now: the recovery started a new timeline.")
	w("%spgbackrest --config=%s --stanza=%s --type=full backup", as, shellQuote(st.Config), shellQuote(st.Name))
	return b.String()
}

// commentText makes s safe inside a shell comment line: control
// characters (a newline would end the comment) become '?'.
func commentText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// stanzaOptions reads pgbackrest.conf's options for stanza ([stanza]
// over [global], as the RPO measurement reads them: readRepoConf). An
// unreadable file gives none (the runbook then says what to fill in).
func stanzaOptions(path, stanza string) map[string]string {
	c, err := readRepoConf(path, stanza, nil)
	if err != nil {
		return map[string]string{}
	}
	return c
}
