package backups

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A ward that stopped mid-drill (killed, crashed, power cut) leaves a
// run recorded as running, a scratch copy, and perhaps a postgres still
// running on it. On start the runs are recorded failed; before the first
// configuration is applied (no drill can run yet) the copies are
// deleted and their postgres stopped (wireDrills does both, before the
// Manager applies its first configuration).

// staleWait bounds how long a leftover postgres has to exit after
// SIGQUIT (immediate shutdown) before it is killed.
const staleWait = 10 * time.Second

// scratchName matches the entries drills make under backups/drills:
// a run id, optionally with the tablespace suffix.
var scratchName = regexp.MustCompile(`^[0-9a-f]{16}-[0-9a-f]{8}(-ts)?$`)

// failStale records as failed the runs a previous ward left running.
func (d *drills) failStale(runs []Run) {
	for _, r := range runs {
		if r.State != StateRunning || (r.Kind != KindDrill && r.Kind != KindRestore) {
			continue
		}
		r.Error = "ward stopped while this " + string(r.Kind) + " ran (at step: " + r.Progress + ")"
		r.State, r.Finished, r.Progress = StateFailed, d.deps.Now(), "failed"
		if err := d.deps.Save(r); err != nil {
			d.deps.Logger.Error("save stale drill run", "err", err, "run", r.ID)
			continue
		}
		d.metrics.observe(r)
	}
}

// cleanScratch stops any postgres left on a scratch copy and deletes
// the copies. Only names drills make are touched; restore targets are
// the operator's and are left alone.
func (d *drills) cleanScratch() {
	root := filepath.Join(d.deps.DataDir, "backups", "drills")
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || !scratchName.MatchString(e.Name()) {
			continue
		}
		dir := filepath.Join(root, e.Name())
		stopLeftover(dir)
		if err := os.RemoveAll(dir); err != nil {
			d.deps.Logger.Warn("delete stale drill scratch", "dir", dir, "err", err)
			continue
		}
		d.deps.Logger.Info("deleted a stale drill scratch copy", "dir", dir)
	}
}

// stopLeftover shuts down the postgres whose postmaster.pid is in dir,
// if that process still runs on dir (a reused pid is left alone).
func stopLeftover(dir string) {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 1 {
		return
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || !bytes.Contains(cmdline, []byte(dir)) {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	deadline := time.Now().Add(staleWait)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}
