package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"syscall"
	"time"
)

// ErrNotRunning means no ward answers on the data directory's socket:
// there is none, or nothing listens on it.
var ErrNotRunning = errors.New("control: no ward answers")

// Call sends req to the ward running on dataDir and returns its answer;
// a command that failed there has its error in the response's Error.
// It returns ErrNotRunning when no ward answers, so that the caller may
// open the database itself.
func Call(ctx context.Context, dataDir string, req Request) (Response, error) {
	path := SocketPath(dataDir)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
		return Response{}, fmt.Errorf("%w on %s", ErrNotRunning, path)
	}
	if err != nil {
		return Response{}, fmt.Errorf("control socket %s: %w", path, err)
	}
	c := conn.(*net.UnixConn)
	defer c.Close()
	deadline := time.Now().Add(ReadTimeout + timeout(req.Command))
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()

	body, err := json.Marshal(req)
	if err != nil {
		return Response{}, err
	}
	// A write the server cut short (it refused the peer or the size)
	// still leaves its answer to read.
	_, werr := c.Write(body)
	if werr == nil {
		werr = c.CloseWrite()
	}
	var resp Response
	// A server that stopped reading early answers and then resets the
	// connection: what arrived before the reset is the answer.
	b, rerr := io.ReadAll(io.LimitReader(c, MaxResponse+1))
	if len(b) > MaxResponse {
		return resp, fmt.Errorf("control socket %s: answer larger than %d bytes", path, MaxResponse)
	}
	if len(b) == 0 {
		err := errors.Join(werr, rerr)
		if err == nil {
			err = errors.New("ward closed the connection without an answer")
		}
		return resp, fmt.Errorf("control socket %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		if rerr != nil {
			err = rerr
		}
		return resp, fmt.Errorf("control socket %s: malformed answer: %w", path, err)
	}
	return resp, nil
}
