package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// TestBackupsWiring: the backups section reaches the Manager at start
// and on every reload, its metrics are served, and an invalid section
// is refused with its position while the running one stays.
func TestBackupsWiring(t *testing.T) {
	section := "backups:\n  run_as: postgres\n  jobs:\n    - {name: media, kind: command, command: [/bin/true], schedule: \"0 3 * * *\"}\n"
	in := startWard(t, fastGlobal+section)
	if v := in.metricValue(t, `ward_backup_running{backup_job="media"}`); v != "0" {
		t.Fatalf("ward_backup_running{backup_job=media} = %q", v)
	}
	st, err := in.app.backups.Status(context.Background())
	if err != nil || len(st.Jobs) != 1 || st.Jobs[0].Name != "media" || st.Jobs[0].NextRun.IsZero() {
		t.Fatalf("status: %+v %v", st, err)
	}

	bad := strings.Replace(readFile(t, in.cfgFile), `schedule: "0 3 * * *"`, `schedule: "0 25 * * *"`, 1)
	writeFile(t, in.cfgFile, bad)
	code, body := in.postReload(t)
	if code != http.StatusInternalServerError || !strings.Contains(body, "backups.jobs[0].schedule") {
		t.Fatalf("bad reload: %d %q", code, body)
	}
	good := strings.Replace(bad, `schedule: "0 25 * * *"}`+"\n",
		`schedule: "0 3 * * *"}`+"\n    - {name: nightly, kind: command, command: [/bin/true]}\n", 1)
	writeFile(t, in.cfgFile, good)
	servicetest.Eventually(t, 10*time.Second, "second job applied", func() bool {
		return in.metricValue(t, `ward_backup_running{backup_job="nightly"}`) == "0"
	})
	st, _ = in.app.backups.Status(context.Background())
	if len(st.Jobs) != 2 {
		t.Fatalf("jobs after reload: %+v", st.Jobs)
	}
}
