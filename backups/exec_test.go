package backups

import (
	"context"
	"errors"
	"os"
	"os/user"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestExecutorRefusesRoot: with no run_as, ward as root runs nothing;
// run_as root is refused too.
func TestExecutorRefusesRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		res := Executor{User: "root"}.Run(t.Context(), Cmd{Argv: []string{"/bin/true"}})
		if res.Err == nil {
			t.Fatal("a non-root ward switched to root")
		}
		return
	}
	for _, u := range []string{"", "root"} {
		res := Executor{User: u}.Run(t.Context(), Cmd{Argv: []string{"/bin/true"}})
		if !errors.Is(res.Err, ErrRoot) || res.ExitCode != -1 {
			t.Errorf("run_as %q: %+v", u, res)
		}
	}
}

// TestExecutorRunsAsUser: the child runs as run_as, with only the
// environment given, and its secrets are redacted from the log.
func TestExecutorRunsAsUser(t *testing.T) {
	e := Executor{User: "postgres"}
	if os.Geteuid() != 0 {
		e.User = ""
	}
	res := e.Run(t.Context(), Cmd{
		Argv:    []string{"/bin/sh", "-c", `id -un; echo "key=$KEY"; echo "home=$HOME"; exit 3`},
		Env:     []string{"KEY=s3cr3t-value"},
		Secrets: []string{"s3cr3t-value"},
	})
	if res.ExitCode != 3 || res.Err == nil {
		t.Fatalf("exit = %d, err = %v", res.ExitCode, res.Err)
	}
	if os.Geteuid() == 0 && !strings.HasPrefix(res.Log, "postgres\n") {
		t.Errorf("log = %q, want the child as postgres", res.Log)
	}
	if strings.Contains(res.Log, "s3cr3t") || !strings.Contains(res.Log, "key=[redacted]") || !strings.Contains(res.Log, "home=\n") {
		t.Errorf("log = %q", res.Log)
	}
}

// TestExecutorTimeoutKillsGroup: a run past its timeout is killed with
// its children (a grandchild ignoring nothing still goes) and says so.
func TestExecutorTimeoutKillsGroup(t *testing.T) {
	e := Executor{User: "postgres"}
	if os.Geteuid() != 0 {
		e.User = ""
	}
	start := time.Now()
	res := e.Run(context.Background(), Cmd{Argv: []string{"/bin/sh", "-c", "sleep 60 & sleep 60; wait"}, Timeout: 300 * time.Millisecond})
	if res.ExitCode != -1 || res.Err == nil || !strings.Contains(res.Err.Error(), "timeout") {
		t.Fatalf("%+v", res)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %s: the group was not killed", d)
	}
}

// TestTailBuffer keeps the end of long output and says the start went.
func TestTailBuffer(t *testing.T) {
	tb := &tailBuffer{max: 100}
	for i := 0; i < 50; i++ {
		_, _ = tb.Write([]byte(strings.Repeat("x", 9) + "\n"))
	}
	_, _ = tb.Write([]byte("the error\n"))
	s := tb.String()
	if !strings.HasPrefix(s, "[earlier output dropped]\n") || !strings.HasSuffix(s, "the error\n") || len(s) > 100+30 {
		t.Fatalf("%q", s)
	}
}

// TestExecutorDropsSupplementaryGroups: the child has run_as's groups
// only, never ward's (here: root's group 0 set as a supplementary group,
// as sudo or a login shell gives it).
func TestExecutorDropsSupplementaryGroups(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root (as the suite runs): it switches users")
	}
	// Give ward (this test process) group 0 as a supplementary group.
	before, err := syscall.Getgroups()
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setgroups([]int{0}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setgroups(before) })
	res := Executor{User: "postgres"}.Run(t.Context(), Cmd{Argv: []string{"/usr/bin/id", "-G"}})
	if res.Err != nil {
		t.Fatalf("%v: %s", res.Err, res.Log)
	}
	for _, g := range strings.Fields(res.Log) {
		if g == "0" {
			t.Fatalf("the child kept group 0: id -G = %q", res.Log)
		}
	}
	u, _ := user.Lookup("postgres")
	if !strings.Contains(" "+strings.TrimSpace(res.Log)+" ", " "+u.Gid+" ") {
		t.Fatalf("id -G = %q, want postgres's group %s", res.Log, u.Gid)
	}
}
