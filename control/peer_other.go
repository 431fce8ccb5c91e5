//go:build !linux

package control

import (
	"errors"
	"net"
)

// peerCred is Linux-only (SO_PEERCRED): elsewhere every connection is
// refused and the command line opens the database itself.
func peerCred(*net.UnixConn) (uid uint32, pid int32, err error) {
	return 0, 0, errors.New("control: peer credentials are only checked on Linux")
}
