package backups

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Executor runs the child processes of backups, drills and restores:
// pgbackrest, postgres and the user's commands. Children never run as
// root: when ward is root, User must name another user and children run
// as that user; otherwise they run as ward's own user.
type Executor struct {
	// User is backups.run_as: the user children run as. Empty means
	// ward's own user, which is refused when that is root.
	User string
}

// Cmd is one child process.
type Cmd struct {
	Argv []string
	// Env is the child's whole environment (KEY=VALUE): nothing of
	// ward's own environment is passed unless listed here.
	Env []string
	// Secrets are values that must not appear in the kept log.
	Secrets []string
	Dir     string
	// Timeout bounds the run (0: only ctx); the whole process group is
	// killed when it passes or ctx ends.
	Timeout time.Duration
	// Stdout, if set, also receives the output as it comes (unredacted:
	// for parsing, never for logs).
	Stdout io.Writer
}

// Result is how a child ended.
type Result struct {
	// ExitCode is the exit status; -1 when it was killed or never ran.
	ExitCode int
	// Log is the tail of stdout and stderr (at most MaxLogBytes), with
	// every secret replaced by "[redacted]".
	Log      string
	Duration time.Duration
	// Err is nil only for exit status 0.
	Err error
}

// ErrRoot refuses to run a child as root.
var ErrRoot = errors.New("refusing to run as root: set backups.run_as to an unprivileged user (for example postgres)")

// killGrace is how long a child has between SIGTERM and SIGKILL.
const killGrace = 5 * time.Second

// credential returns the credential children run with, nil for ward's
// own user, or ErrRoot.
func (e Executor) credential() (*syscall.Credential, error) {
	if e.User == "" {
		if os.Geteuid() == 0 {
			return nil, ErrRoot
		}
		return nil, nil
	}
	u, err := user.Lookup(e.User)
	if err != nil {
		return nil, fmt.Errorf("backups.run_as: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("backups.run_as: user %s has a non-numeric id", e.User)
	}
	if uid == 0 {
		return nil, ErrRoot
	}
	if int(uid) == os.Geteuid() {
		return nil, nil
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("backups.run_as: ward runs as uid %d and cannot switch to %s", os.Geteuid(), e.User)
	}
	// The child gets run_as's own groups, never ward's supplementary
	// groups (root's group 0 under sudo or a login shell).
	groups, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("backups.run_as: groups of %s: %w", e.User, err)
	}
	ids := make([]uint32, 0, len(groups))
	for _, g := range groups {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil && n != 0 {
			ids = append(ids, uint32(n))
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: ids}, nil
}

// Run starts c and waits for it. The log keeps the end of the output:
// the error a failing backup prints comes last.
func (e Executor) Run(ctx context.Context, c Cmd) Result {
	start := time.Now()
	res := Result{ExitCode: -1}
	if len(c.Argv) == 0 {
		res.Err = errors.New("empty command")
		return res
	}
	cred, err := e.credential()
	if err != nil {
		res.Err = err
		return res
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Env = c.Env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.Dir = c.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	// On cancel: SIGTERM to the whole group (pgbackrest and postgres
	// clean up on TERM), SIGKILL after killGrace.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = killGrace
	tail := &tailBuffer{max: MaxLogBytes}
	var out io.Writer = tail
	if c.Stdout != nil {
		out = io.MultiWriter(tail, c.Stdout)
	}
	cmd.Stdout, cmd.Stderr = out, tail
	err = cmd.Run()
	if cmd.Process != nil {
		// Whatever the group left behind (a child that ignored TERM).
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	res.Duration = time.Since(start)
	res.Log = Redact(tail.String(), c.Secrets)
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		res.ExitCode = 0
	case ctx.Err() != nil:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			res.Err = fmt.Errorf("%s: killed after the timeout of %s", c.Argv[0], c.Timeout)
		} else {
			res.Err = fmt.Errorf("%s: cancelled", c.Argv[0])
		}
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
		res.Err = fmt.Errorf("%s exited with status %d", c.Argv[0], res.ExitCode)
	default:
		res.Err = fmt.Errorf("%s: %w", c.Argv[0], err)
	}
	return res
}

// Redact replaces every non-empty secret in s by "[redacted]".
func Redact(s string, secrets []string) string {
	for _, v := range secrets {
		if v = strings.TrimSpace(v); len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

// tailBuffer keeps the last max bytes written to it (with room for a
// secret cut at the boundary to still be redacted whole: it keeps twice
// max and trims when read).
type tailBuffer struct {
	max     int
	buf     []byte
	dropped bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
		t.dropped = true
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	b := t.buf
	if len(b) > t.max {
		b, t.dropped = b[len(b)-t.max:], true
	}
	if t.dropped {
		// Start at a line boundary, and say that the beginning is gone.
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
		return "[earlier output dropped]\n" + string(b)
	}
	return string(b)
}
