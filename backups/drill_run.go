package backups

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// drillJob is one drill or restore-to-target while it runs.
type drillJob struct {
	deps   drillDeps
	exec   Executor
	st     config.BackupStanza
	req    DrillRequest
	target *config.RestoreTarget // nil: a drill into scratch
	run    Run
	backup Backup
	// dir is where the copy is restored (scratch or the target); tsDir
	// the scratch tablespace directory (drills only).
	dir, tsDir string
}

// execute runs every step and returns the final run, saved. Whatever
// happens, a drill's postgres is stopped and its scratch deleted.
func (j *drillJob) execute(ctx context.Context) Run {
	err := j.steps(ctx)
	if j.target == nil && j.dir != "" {
		for _, p := range []string{j.dir, j.tsDir} {
			if rerr := os.RemoveAll(p); rerr != nil {
				err = errors.Join(err, fmt.Errorf("delete scratch: %w", rerr))
			}
		}
	}
	j.run.Finished = j.deps.Now()
	j.run.State = StateSuccess
	j.run.Progress = "done"
	if err != nil {
		j.run.State = StateFailed
		if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled) {
			err = fmt.Errorf("%w: %w", errDrillCancelled, err)
		} else if ctx.Err() != nil {
			err = fmt.Errorf("timed out after %s: %w", drillTimeout(j.st), err)
		}
		j.run.Error = oneLine(err.Error())
		j.run.Progress = "failed"
	}
	if serr := j.deps.Save(j.run); serr != nil {
		j.deps.Logger.Error("save drill run", "err", serr, "run", j.run.ID)
	}
	j.deps.Logger.Info("restore drill finished", "run", j.run.ID, "stanza", j.st.Name, "kind", j.run.Kind,
		"state", j.run.State, "rto", j.run.Drill.RTO, "err", j.run.Error)
	return j.run
}

// steps runs the drill; an error fails it.
func (j *drillJob) steps(ctx context.Context) error {
	j.progress("choosing the backup")
	if err := j.choose(ctx); err != nil {
		return err
	}
	j.progress("preparing " + j.kindName() + " directory")
	if err := j.prepare(); err != nil {
		return err
	}
	j.progress(fmt.Sprintf("restoring backup %s (%s)", j.backup.Label, formatBytes(j.backup.Size)))
	if err := j.restore(ctx); err != nil {
		return err
	}
	j.progress("starting postgres on the copy; replaying WAL")
	pg, err := startCopy(ctx, j)
	if err != nil {
		return err
	}
	err = j.verify(ctx, pg)
	j.progress("stopping postgres")
	if serr := pg.stop(); serr != nil {
		err = errors.Join(err, serr)
	}
	j.appendLog("postgres", pg.log())
	if j.target != nil {
		// The target keeps production's own pg_hba.conf; ward's trust-all
		// hba for the socket is not left behind for the next start.
		for _, f := range []string{drillHBA, drillIdent, "ward_drill.pid"} {
			if rerr := os.Remove(filepath.Join(j.dir, f)); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				err = errors.Join(err, rerr)
			}
		}
	}
	if err != nil {
		return err
	}
	for _, a := range j.run.Drill.Assertions {
		if !a.Passed {
			return fmt.Errorf("assertion %s failed: %s", a.Name, a.Detail)
		}
	}
	return nil
}

// verify waits for recovery to end, times the first query and (drills)
// runs the assertions.
func (j *drillJob) verify(ctx context.Context, pg *copyServer) error {
	if err := pg.waitPromoted(ctx); err != nil {
		return err
	}
	j.run.Drill.Replay = time.Since(pg.started)
	j.progress("first query")
	conn, first, err := pg.firstQuery(ctx, j.database())
	j.run.Drill.FirstQuery = first
	j.run.Drill.Assertions = append(j.run.Drill.Assertions, Assertion{Name: "select 1", Passed: err == nil, Detail: detailOf(err, "answered in "+first.Round(time.Millisecond).String())})
	if err != nil {
		return fmt.Errorf("first query: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	dr := j.run.Drill
	dr.RTO = dr.Restore + dr.Replay + dr.FirstQuery
	j.predict(ctx)
	if j.target != nil {
		return nil
	}
	j.progress("running assertions")
	j.assert(ctx, conn)
	return nil
}

// choose picks the backup from a fresh pgbackrest info (the Manager's
// inventory can be five minutes old).
func (j *drillJob) choose(ctx context.Context) error {
	out := &limitedBuffer{max: maxInfoOutput}
	if _, err := j.pgbackrest(ctx, out, "--output=json", "info"); err != nil {
		return err
	}
	if out.over {
		return fmt.Errorf("pgbackrest info: output over %d bytes", maxInfoOutput)
	}
	s, err := parseInfo(out.buf.Bytes(), j.st.Name)
	if err != nil {
		return err
	}
	b, err := pickBackup(s.Backups, j.req.Label, j.req.Time)
	if err != nil {
		return err
	}
	j.backup = b
	j.run.Label = b.Label
	j.run.Drill.Bytes = b.Size
	j.run.Bytes = b.Size
	return nil
}

// restore runs pgbackrest restore into j.dir.
func (j *drillJob) restore(ctx context.Context) error {
	args := []string{"--pg1-path=" + j.dir, "--archive-mode=off", "--set=" + j.backup.Label}
	if j.req.Time.IsZero() {
		// No time: recover to the end of the archived WAL (the latest
		// point), so the RTO measured includes replaying the WAL
		// archived since the backup. Recovery without a target promotes
		// at the end by itself.
		args = append(args, "--type=default")
	} else {
		args = append(args, "--type=time", "--target="+j.req.Time.UTC().Format("2006-01-02 15:04:05.999999-07"),
			"--target-action=promote")
	}
	if j.tsDir != "" {
		args = append(args, "--tablespace-map-all="+j.tsDir)
	}
	if j.req.Delta {
		args = append(args, "--delta")
	}
	args = append(args, "--log-level-console=info", "restore")
	start := time.Now()
	out, err := j.pgbackrest(ctx, nil, args...)
	j.run.Drill.Restore = time.Since(start)
	j.appendLog("pgbackrest restore", out)
	return err
}

// pgbackrest runs pgbackrest with the stanza's config and environment;
// stdout, if set, also gets the output (info's JSON, whole).
func (j *drillJob) pgbackrest(ctx context.Context, stdout io.Writer, args ...string) (string, error) {
	env, secrets, err := childEnv(j.st.Env, j.st.EnvFiles)
	if err != nil {
		return "", err
	}
	argv := append([]string{"pgbackrest", "--config=" + j.st.Config, "--stanza=" + j.st.Name}, args...)
	r := j.exec.Run(ctx, Cmd{Argv: argv, Env: env, Secrets: secrets, Dir: "/", Stdout: stdout, Timeout: stanzaTimeout(j.st, args)})
	if r.Err != nil || r.ExitCode != 0 {
		return r.Log, fmt.Errorf("pgbackrest %s: exit %d: %v: %s", args[len(args)-1], r.ExitCode, r.Err, lastLine(r.Log))
	}
	return r.Log, nil
}

// stanzaTimeout bounds one pgbackrest call: info by the stanza's timeout
// (default 3m), restore only by the drill's own deadline.
func stanzaTimeout(st config.BackupStanza, args []string) time.Duration {
	if args[len(args)-1] == "restore" {
		return 0
	}
	if st.Timeout > 0 {
		return time.Duration(st.Timeout)
	}
	return 3 * time.Minute
}

// progress records the current step, stored so the page can show it.
func (j *drillJob) progress(step string) {
	j.run.Progress = step
	if err := j.deps.Save(j.run); err != nil {
		j.deps.Logger.Warn("save drill progress", "err", err, "run", j.run.ID)
	}
}

// appendLog adds a titled section to the run's log, keeping the end.
func (j *drillJob) appendLog(title, out string) {
	if strings.TrimSpace(out) == "" {
		return
	}
	s := j.run.Log + "== " + title + "\n" + out
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	if len(s) > MaxLogBytes {
		s = s[len(s)-MaxLogBytes:]
	}
	j.run.Log = s
}

func (j *drillJob) kindName() string {
	if j.target != nil {
		return "restore target " + j.target.Name
	}
	return "scratch"
}

func (j *drillJob) database() string {
	if db := j.st.Drill.Assertions.Database; db != "" {
		return db
	}
	return "postgres"
}

func (j *drillJob) scratchRoot() string {
	return filepath.Join(j.deps.DataDir, "backups", "drills")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func detailOf(err error, ok string) string {
	if err != nil {
		return oneLine(err.Error())
	}
	return ok
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KiB", n>>10)
	}
}
