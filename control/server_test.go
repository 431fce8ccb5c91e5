package control

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCheckPeer(t *testing.T) {
	for _, c := range []struct {
		name       string
		peer, self uint32
		ok         bool
	}{
		{"root's ward, root", 0, 0, true},
		{"root's ward, another user", 1000, 0, false},
		{"ward user's ward, same user", 998, 998, true},
		{"ward user's ward, root", 0, 998, false},
		{"ward user's ward, another user", 1000, 998, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkPeer(c.peer, c.self)
			if (err == nil) != c.ok {
				t.Fatalf("checkPeer(%d, %d) = %v, want ok=%v", c.peer, c.self, err, c.ok)
			}
			if err != nil && !errors.Is(err, ErrPeerRefused) {
				t.Errorf("error %v is not ErrPeerRefused", err)
			}
		})
	}
}

// serveTest listens on a fresh data directory and serves b until the
// test ends; it returns the data directory.
func serveTest(tb testing.TB, b Backend) (dataDir string, srv *Server) {
	tb.Helper()
	dataDir = tb.TempDir()
	srv, err := Listen(dataDir, b, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Error(err)
		}
	})
	return dataDir, srv
}

func TestSocketModesAndRemoval(t *testing.T) {
	dataDir := t.TempDir()
	srv, err := Listen(dataDir, Backend{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.Lstat(filepath.Join(dataDir, SocketDir))
	if err != nil {
		t.Fatal(err)
	}
	if !dir.IsDir() || dir.Mode().Perm() != 0o700 {
		t.Errorf("socket directory: mode %v, want a directory with 0700", dir.Mode())
	}
	sock, err := os.Lstat(srv.Path())
	if err != nil {
		t.Fatal(err)
	}
	if sock.Mode().Type() != os.ModeSocket || sock.Mode().Perm() != 0o600 {
		t.Errorf("socket: mode %v, want a socket with 0600", sock.Mode())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	resp, err := Call(context.Background(), dataDir, Request{Command: UserList})
	if err != nil || !strings.Contains(resp.Error, "not available") {
		t.Fatalf("call on a backend without auth: %+v, %v", resp, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(srv.Path()); !os.IsNotExist(err) {
		t.Errorf("socket still there after Run: %v", err)
	}
	if _, err := Call(context.Background(), dataDir, Request{Command: UserList}); !errors.Is(err, ErrNotRunning) {
		t.Errorf("call after stop: %v, want ErrNotRunning", err)
	}
}

func TestListenNarrowsOwnDirectory(t *testing.T) {
	dataDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dataDir, SocketDir), 0o755); err != nil {
		t.Fatal(err)
	}
	srv, err := Listen(dataDir, Backend{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fi, err := os.Stat(filepath.Join(dataDir, SocketDir))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v (%v), want 0700", fi.Mode(), err)
	}
}

// TestListenReplacesStaleSocket: a crashed ward leaves its socket file
// behind; the next start replaces it.
func TestListenReplacesStaleSocket(t *testing.T) {
	dataDir := t.TempDir()
	path := SocketPath(dataDir)
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	old.SetUnlinkOnClose(false)
	old.Close()
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != os.ModeSocket {
		t.Fatalf("no stale socket to replace: %v", err)
	}
	if _, err := Call(context.Background(), dataDir, Request{Command: UserList}); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("call on a stale socket: %v, want ErrNotRunning (the command line then opens the database)", err)
	}
	srv, err := Listen(dataDir, Backend{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("listen over a stale socket: %v", err)
	}
	srv.Close()
}

func TestListenRefusesUnsafePaths(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dataDir string)
		want  error
	}{
		{"directory is a symlink", func(t *testing.T, dataDir string) {
			elsewhere := t.TempDir()
			must(t, os.Chmod(elsewhere, 0o700))
			must(t, os.Symlink(elsewhere, filepath.Join(dataDir, SocketDir)))
		}, ErrUnsafePath},
		{"directory is another user's", func(t *testing.T, dataDir string) {
			dir := filepath.Join(dataDir, SocketDir)
			must(t, os.Mkdir(dir, 0o700))
			must(t, os.Chown(dir, os.Geteuid()+4242, -1))
		}, ErrUnsafePath},
		{"directory is a file", func(t *testing.T, dataDir string) {
			must(t, os.WriteFile(filepath.Join(dataDir, SocketDir), nil, 0o600))
		}, ErrUnsafePath},
		{"socket path is a symlink", func(t *testing.T, dataDir string) {
			must(t, os.Mkdir(filepath.Join(dataDir, SocketDir), 0o700))
			target := filepath.Join(t.TempDir(), "elsewhere.sock")
			must(t, os.Symlink(target, SocketPath(dataDir)))
		}, ErrUnsafePath},
		{"socket path is a regular file", func(t *testing.T, dataDir string) {
			must(t, os.Mkdir(filepath.Join(dataDir, SocketDir), 0o700))
			must(t, os.WriteFile(SocketPath(dataDir), []byte("keep me"), 0o600))
		}, ErrUnsafePath},
		{"another process answers", func(t *testing.T, dataDir string) {
			must(t, os.Mkdir(filepath.Join(dataDir, SocketDir), 0o700))
			ln, err := net.Listen("unix", SocketPath(dataDir))
			must(t, err)
			t.Cleanup(func() { ln.Close() })
		}, ErrInUse},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dataDir := t.TempDir()
			c.setup(t, dataDir)
			before, _ := os.Lstat(SocketPath(dataDir))
			srv, err := Listen(dataDir, Backend{}, slog.New(slog.DiscardHandler))
			if err == nil {
				srv.Close()
				t.Fatal("Listen succeeded")
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("Listen: %v, want %v", err, c.want)
			}
			// Nothing was removed or replaced.
			after, _ := os.Lstat(SocketPath(dataDir))
			if (before == nil) != (after == nil) || before != nil && !os.SameFile(before, after) {
				t.Errorf("Listen changed %s", SocketPath(dataDir))
			}
		})
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// rawCall sends body as a request and returns the decoded answer.
func rawCall(tb testing.TB, dataDir string, body []byte) Response {
	tb.Helper()
	c, err := net.Dial("unix", SocketPath(dataDir))
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	// The server may stop reading (and reset the connection) before all
	// of an oversize body is written: its answer is still there to read.
	go func() {
		c.Write(body)
		c.(*net.UnixConn).CloseWrite()
	}()
	var resp Response
	b, rerr := io.ReadAll(c)
	if err := json.Unmarshal(b, &resp); err != nil {
		tb.Fatalf("answer %q (read error %v): %v", b, rerr, err)
	}
	return resp
}

func TestBadRequests(t *testing.T) {
	dataDir, _ := serveTest(t, Backend{})
	for _, c := range []struct {
		name string
		body []byte
		want string
	}{
		{"oversize", []byte(`{"command":"user.add","password":"` + strings.Repeat("x", MaxRequest) + `"}`), "request too large: larger than 65536 bytes"},
		{"oversize garbage", []byte(strings.Repeat("{", 10*MaxRequest)), "larger than 65536 bytes"},
		{"malformed", []byte(`{"command":`), "malformed request"},
		{"unknown field", []byte(`{"command":"user.list","sudo":true}`), "unknown field"},
		{"no command", []byte(`{}`), "malformed request: no command"},
		{"unknown command", []byte(`{"command":"user.delete-everything"}`), `unknown command "user.delete-everything"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := rawCall(t, dataDir, c.body)
			if !strings.Contains(resp.Error, c.want) {
				t.Fatalf("error %q, want %q", resp.Error, c.want)
			}
		})
	}
	// Oversize through the client: the answer arrives even though the
	// server stopped reading.
	resp, err := Call(context.Background(), dataDir, Request{Command: UserAdd, Password: strings.Repeat("x", 2*MaxRequest)})
	if err != nil || !strings.Contains(resp.Error, "larger than") {
		t.Errorf("oversize Call: %+v, %v", resp, err)
	}
	// Still serving.
	if resp, err := Call(context.Background(), dataDir, Request{Command: UserList}); err != nil || resp.Error == "" {
		t.Fatalf("after bad requests: %+v, %v", resp, err)
	}
}

// TestBusy: past MaxConns connections at once, the next is told ward is
// busy instead of waiting.
func TestBusy(t *testing.T) {
	dataDir, _ := serveTest(t, Backend{})
	var held []net.Conn
	for range MaxConns {
		c, err := net.Dial("unix", SocketPath(dataDir))
		must(t, err)
		held = append(held, c)
	}
	resp := rawCall(t, dataDir, []byte(`{"command":"user.list"}`))
	if !strings.Contains(resp.Error, "busy") {
		t.Errorf("connection %d: %+v, want busy", MaxConns+1, resp)
	}
	for _, c := range held {
		c.Close()
	}
}

// TestActorFromUID: the actor is the peer uid's account, never the name
// the request claims.
func TestActorFromUID(t *testing.T) {
	if got := Actor(4242421); got != "cli:uid-4242421" {
		t.Errorf("Actor(unknown uid) = %q", got)
	}
	dataDir, _ := serveTest(t, Backend{})
	resp := rawCall(t, dataDir, []byte(`{"command":"user.list","os_user":"mallory"}`))
	if want := Actor(uint32(os.Geteuid())); resp.Actor != want || resp.Actor == "cli:mallory" {
		t.Errorf("actor %q, want %q (from the peer's uid)", resp.Actor, want)
	}
}

// FuzzReadRequest: whatever a peer sends, reading it returns a request
// or an error, never a panic, and never more than MaxRequest bytes.
func FuzzReadRequest(f *testing.F) {
	f.Add([]byte(`{"command":"user.add","name":"a","password":"p"}`))
	f.Add([]byte(`{"command":"token.create","scopes":["metrics:read"],"expires":"2027-03-01T00:00:00Z"}`))
	f.Add([]byte(`{"command":"audit.verify","anchors":["12:abcd"]}`))
	f.Add([]byte(`{"command":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := readRequest(strings.NewReader(string(b)))
		if err == nil && (req.Command == "" || len(b) > MaxRequest) {
			t.Fatalf("accepted %q as %+v", b, req)
		}
	})
}

// TestSlowClient: a peer that sends nothing is answered and dropped
// after the read timeout.
func TestSlowClient(t *testing.T) {
	dataDir := t.TempDir()
	srv, err := Listen(dataDir, Backend{}, slog.New(slog.DiscardHandler))
	must(t, err)
	srv.readTimeout = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	c, err := net.Dial("unix", SocketPath(dataDir))
	must(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	b, err := io.ReadAll(c)
	var resp Response
	if jerr := json.Unmarshal(b, &resp); jerr != nil || !strings.Contains(resp.Error, "i/o timeout") {
		t.Fatalf("answer %q (%v, %v), want a timeout", b, err, jerr)
	}
}

type deadlineReader struct{}

func (deadlineReader) Read([]byte) (int, error) { return 0, os.ErrDeadlineExceeded }

func TestProblem(t *testing.T) {
	for _, c := range []struct {
		in   io.Reader
		want string
	}{
		{strings.NewReader(strings.Repeat(" ", MaxRequest+1)), "too large"},
		{strings.NewReader(`{"password":"hunter2hunter2"`), "malformed"},
		{strings.NewReader(`{"password":"hunter2hunter2"}`), "malformed"},
		{deadlineReader{}, "not sent in time"},
	} {
		_, err := readRequest(c.in)
		if got := problem(err); got != c.want {
			t.Errorf("problem(%v) = %q, want %q", err, got, c.want)
		}
	}
}

// TestLogHoldsNoPassword: neither commands nor bad requests put the
// password in ward's log.
func TestLogHoldsNoPassword(t *testing.T) {
	var log strings.Builder
	var mu sync.Mutex
	dataDir := t.TempDir()
	srv, err := Listen(dataDir, Backend{}, slog.New(slog.NewTextHandler(lockedWriter{&mu, &log}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	const pw = "hunter2hunter2"
	Call(context.Background(), dataDir, Request{Command: UserAdd, Name: "a", Password: pw})
	Call(context.Background(), dataDir, Request{Command: UserSetPassword, Name: "a", Password: pw, Role: pw})
	rawCall(t, dataDir, []byte(`{"command":"user.add","password":"`+pw+`"`))
	rawCall(t, dataDir, []byte(`{"command":"user.add","password":"`+pw+`","`+pw+`":1}`))
	rawCall(t, dataDir, []byte(`{"command":"`+pw+`"}`))
	rawCall(t, dataDir, []byte(`{"command":"user.list","os_user":"`+pw+` x"}`))
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(log.String(), "control command") || !strings.Contains(log.String(), "bad request") || !strings.Contains(log.String(), "claimed user differs") {
		t.Fatalf("log lacks the commands:\n%s", log.String())
	}
	if strings.Contains(log.String(), pw) {
		t.Fatalf("log holds the password:\n%s", log.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// TestOpTimeout: the built-in commands keep the short bound; Ops (a
// self-backup, a key rotation) get the long one, on both ends.
func TestOpTimeout(t *testing.T) {
	if got := timeout(UserList); got != CommandTimeout {
		t.Errorf("user.list may take %v, want %v", got, CommandTimeout)
	}
	if got := timeout("backup.self"); got != OpTimeout {
		t.Errorf("backup.self may take %v, want %v", got, OpTimeout)
	}
}
