package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrDataDirInUse is returned by LockDataDir when another process holds
// the data directory.
var ErrDataDirInUse = errors.New("storage: data directory in use")

// lockFile sits in the data directory while a ward runs there.
const lockFile = "ward.lock"

// DirLock holds a data directory for one ward process.
type DirLock struct {
	f *os.File
}

// LockDataDir takes the data directory for this process before the TSDB
// and the state database open inside it. A second `ward serve` on the
// same directory then stops with "data directory in use by another ward
// (pid N)" instead of the TSDB's "lockfile ... was replaced" warning and
// a lock error that names neither the directory's owner nor the cause.
// The lock is flock(2): the kernel drops it when the process dies, so a
// crash leaves nothing to clean up, and the file's stale pid is only
// ever read while someone holds the lock.
func LockDataDir(dir string) (*DirLock, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storage: data directory lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "pid unknown"
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = "pid " + strconv.Itoa(pid)
			}
			return nil, fmt.Errorf("%w by another ward (%s): %s", ErrDataDirInUse, holder, dir)
		}
		return nil, fmt.Errorf("storage: data directory lock %s: %w", path, err)
	}
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("storage: data directory lock %s: %w", path, err)
	}
	return &DirLock{f: f}, nil
}

// Release gives the directory up; call it after everything inside is
// closed.
func (l *DirLock) Release() error {
	return l.f.Close()
}
