package backups

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// prepare makes the directory the copy is restored into: a fresh
// scratch directory for a drill, the configured target for a restore.
// Either must not be, be inside, or hold a production data directory.
func (j *drillJob) prepare() error {
	prod, err := productionDirs(j.st)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	owner, err := lookupOwner(j.exec.User)
	if err != nil {
		return err
	}
	if j.target != nil {
		return j.prepareTarget(prod, owner)
	}
	root := j.scratchRoot()
	dir, err := checkRestorePath(filepath.Join(root, j.run.ID), prod)
	if err != nil {
		return err
	}
	ts, err := checkRestorePath(filepath.Join(root, j.run.ID+"-ts"), prod)
	if err != nil {
		return err
	}
	// ward's data directory is 0700: run_as may pass through it (no
	// more) to reach its scratch copies.
	if err := owner.grantTraverse(j.deps.DataDir, j.deps.Logger); err != nil {
		return err
	}
	// backups/ is only traversed by run_as; drills/ and below are its own.
	if err := mkdirOwned(filepath.Dir(root), 0o711, nil); err != nil {
		return err
	}
	if err := mkdirOwned(root, 0o700, owner); err != nil {
		return err
	}
	for _, p := range []string{dir, ts} {
		if err := os.Mkdir(p, 0o700); err != nil {
			return fmt.Errorf("scratch: %w", err)
		}
		if err := owner.chown(p); err != nil {
			return err
		}
	}
	j.dir, j.tsDir = dir, ts
	return owner.canReach(dir)
}

// checkPaths refuses, before the run starts, a scratch or target path
// in, at or above production (prepare checks again: paths can change).
func (j *drillJob) checkPaths() error {
	prod, err := productionDirs(j.st)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	if j.target != nil {
		dir, err := checkRestorePath(j.target.Path, prod)
		if err != nil {
			return fmt.Errorf("restore_targets %s: %w", j.target.Name, err)
		}
		if empty, err := dirEmpty(dir); err == nil && !empty && !j.req.Delta {
			return fmt.Errorf("%w: restore target %s: %s is not empty (ask for a delta restore to reuse its files)", ErrRefused, j.target.Name, dir)
		}
		return nil
	}
	for _, p := range []string{j.run.ID, j.run.ID + "-ts"} {
		if _, err := checkRestorePath(filepath.Join(j.scratchRoot(), p), prod); err != nil {
			return err
		}
	}
	return nil
}

// prepareTarget checks the restore target: creatable or existing, a
// directory, empty unless delta, and not a running server's.
func (j *drillJob) prepareTarget(prod []string, owner *osUser) error {
	dir, err := checkRestorePath(j.target.Path, prod)
	if err != nil {
		return fmt.Errorf("restore_targets %s: %w", j.target.Name, err)
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return fmt.Errorf("restore target %s: %w", j.target.Name, err)
		}
		if err := mkdirOwned(dir, 0o700, owner); err != nil {
			return fmt.Errorf("restore target %s: %w", j.target.Name, err)
		}
	case err != nil:
		return fmt.Errorf("restore target %s: %w", j.target.Name, err)
	case !fi.IsDir():
		return fmt.Errorf("%w: restore target %s: %s is not a directory", ErrRefused, j.target.Name, dir)
	default:
		if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); err == nil {
			return fmt.Errorf("%w: restore target %s: a postgres is running in %s (postmaster.pid)", ErrRefused, j.target.Name, dir)
		}
		empty, err := dirEmpty(dir)
		if err != nil {
			return fmt.Errorf("restore target %s: %w", j.target.Name, err)
		}
		if !empty && !j.req.Delta {
			return fmt.Errorf("%w: restore target %s: %s is not empty (ask for a delta restore to reuse its files)", ErrRefused, j.target.Name, dir)
		}
	}
	j.dir = dir
	return owner.canReach(dir)
}

func dirEmpty(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}

// osUser is the run_as user; nil means ward's own user (nothing to
// chown, nothing to check).
type osUser struct {
	name     string
	uid, gid int
}

func lookupOwner(name string) (*osUser, error) {
	if name == "" {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("%w: backups.run_as: %w", ErrRefused, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &osUser{name: name, uid: uid, gid: gid}, nil
}

func (u *osUser) chown(p string) error {
	if u == nil || os.Geteuid() != 0 {
		return nil
	}
	if err := os.Chown(p, u.uid, u.gid); err != nil {
		return fmt.Errorf("chown %s to %s: %w", p, u.name, err)
	}
	return nil
}

// canReach fails when run_as cannot traverse dir's ancestors: pgbackrest
// would fail later with a bare "permission denied".
func (u *osUser) canReach(dir string) error {
	if u == nil {
		return nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		mode := fi.Mode().Perm()
		var can bool
		switch {
		case !ok:
			can = true
		case int(st.Uid) == u.uid:
			can = mode&0o100 != 0
		case int(st.Gid) == u.gid:
			can = mode&0o010 != 0
		default:
			can = mode&0o001 != 0
		}
		if !can {
			return fmt.Errorf("%w: run_as user %s cannot reach %s: %s is mode %04o (it needs search permission: chmod o+x)",
				ErrRefused, u.name, dir, p, mode)
		}
		if filepath.Dir(p) == p {
			return nil
		}
	}
}

// grantTraverse lets run_as pass through ward's data directory dir when
// it cannot: ward (root) gives the directory run_as's group and the
// group search permission only (0710: nothing in it can be listed, and
// the files inside keep their own modes). A directory whose group an
// operator chose (not root's) is left alone; canReach then names it.
func (u *osUser) grantTraverse(dir string, log *slog.Logger) error {
	if u == nil || os.Geteuid() != 0 || dir == "" {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	mode := fi.Mode().Perm()
	if !ok || st.Uid != 0 || mode&0o001 != 0 || (int(st.Gid) == u.gid && mode&0o010 != 0) {
		return nil
	}
	if st.Gid != 0 && int(st.Gid) != u.gid {
		return nil
	}
	if err := os.Chown(dir, 0, u.gid); err != nil {
		return fmt.Errorf("let run_as %s reach %s: %w", u.name, dir, err)
	}
	if err := os.Chmod(dir, mode|0o010); err != nil {
		return fmt.Errorf("let run_as %s reach %s: %w", u.name, dir, err)
	}
	log.Info("the data directory's group may now pass through it (not list it), so that run_as can reach the drills' scratch copies",
		"dir", dir, "group", u.gid, "mode", fmt.Sprintf("%#o", mode|0o010))
	return nil
}

// mkdirOwned creates dir with mode (if missing) owned by owner, and
// fixes its mode and owner if it exists.
func mkdirOwned(dir string, mode os.FileMode, owner *osUser) error {
	if err := os.Mkdir(dir, mode); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := os.Chmod(dir, mode); err != nil {
		return err
	}
	return owner.chown(dir)
}
