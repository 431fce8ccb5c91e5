package control

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Socket errors.
var (
	// ErrUnsafePath means the socket's directory or path is not what
	// ward made: a symlink, another user's, or another kind of file.
	ErrUnsafePath = errors.New("control: unsafe socket path")
	// ErrInUse means another process answers on the socket.
	ErrInUse = errors.New("control: socket in use by another process")
)

// prepareDir makes dir, the socket's directory, private to ward's user:
// created 0700, or checked to be a real directory (not a symlink) owned
// by this user and narrowed to 0700.
func prepareDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory (%s)", ErrUnsafePath, dir, fi.Mode().Type())
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%w: %s is not owned by ward's user (uid %d)", ErrUnsafePath, dir, os.Geteuid())
	}
	if fi.Mode().Perm() != 0o700 {
		return os.Chmod(dir, 0o700)
	}
	return nil
}

// removeStale removes a socket left behind by a ward that crashed. It
// refuses anything but a socket, and a socket something still answers on.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%w: %s exists and is not a socket (%s)", ErrUnsafePath, path, fi.Mode().Type())
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("%w: %s", ErrInUse, path)
	}
	return os.Remove(path)
}

// listen creates the socket at path (directory 0700, socket 0600).
func listen(path string) (*net.UnixListener, error) {
	if err := prepareDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	// The directory already keeps others out; the mode says so twice.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	// Close removes the socket file; Run's end is the only place that
	// closes the listener.
	ln.SetUnlinkOnClose(true)
	return ln, nil
}
