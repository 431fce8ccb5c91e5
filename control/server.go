package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/user"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ward-monitoring/ward/auth"
)

// ErrPeerRefused means a connection came from another OS user than
// ward's own.
var ErrPeerRefused = errors.New("control: permission denied")

// Server answers commands on the control socket.
type Server struct {
	ln      *net.UnixListener
	path    string
	backend Backend
	logger  *slog.Logger
	uid     uint32
	// slots bounds the connections served at once (MaxConns).
	slots chan struct{}
	// readTimeout is ReadTimeout (shorter in tests).
	readTimeout time.Duration
}

// Listen creates the socket of the ward using dataDir,
// <dataDir>/control/ward.sock (directory 0700, socket 0600), replacing
// one a crashed ward left behind. It refuses a directory or socket path
// that is a symlink, another user's, or another kind of file. Run
// serves it and removes it at the end.
func Listen(dataDir string, b Backend, logger *slog.Logger) (*Server, error) {
	path := SocketPath(dataDir)
	ln, err := listen(path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	return &Server{ln: ln, path: path, backend: b, logger: logger,
		uid: uint32(os.Geteuid()), slots: make(chan struct{}, MaxConns), readTimeout: ReadTimeout}, nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

// Close removes the socket without serving it (for a ward that stops
// before Run).
func (s *Server) Close() error { return s.ln.Close() }

// Run serves until ctx ends, then removes the socket and returns once
// the commands in flight (cancelled with ctx) have answered.
func (s *Server) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { s.ln.Close() })
	defer stop()
	defer s.ln.Close()
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			// Out of file descriptors, say: try again shortly.
			s.logger.Error("control socket: accept", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		select {
		case s.slots <- struct{}{}:
			wg.Go(func() {
				defer func() { <-s.slots }()
				s.serve(ctx, c)
			})
		default:
			s.logger.Warn("control socket: too many connections at once; refused one", "max", MaxConns)
			c.SetDeadline(time.Now().Add(time.Second))
			reply(c, Response{Error: fmt.Sprintf("ward is busy: %d control commands are running; try again", MaxConns)})
			c.Close()
		}
	}
}

// osUserName is what a claimed OS user name may look like to be logged.
var osUserName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// checkPeer allows only ward's own user: root's ward only root.
func checkPeer(peer, self uint32) error {
	if peer != self {
		return fmt.Errorf("%w: this ward runs as uid %d and takes commands only from that user, not uid %d", ErrPeerRefused, self, peer)
	}
	return nil
}

// serve answers one connection.
func (s *Server) serve(ctx context.Context, c *net.UnixConn) {
	defer c.Close()
	start := time.Now()
	c.SetDeadline(start.Add(s.readTimeout))
	uid, pid, err := peerCred(c)
	if err == nil {
		err = checkPeer(uid, s.uid)
	}
	if err != nil {
		s.logger.Warn("control socket: refused a connection", "err", err, "peer_uid", uid, "peer_pid", pid)
		reply(c, Response{Error: fmt.Sprintf("%v; run the command as %s", err, strings.TrimPrefix(Actor(s.uid), "cli:"))})
		return
	}
	req, err := readRequest(c)
	if err != nil {
		// Not err itself: a decoding error may quote the request, which
		// may hold a password.
		s.logger.Warn("control socket: bad request", "problem", problem(err), "peer_uid", uid, "peer_pid", pid)
		c.SetWriteDeadline(time.Now().Add(time.Second)) // the read may have used up the deadline
		reply(c, Response{Error: err.Error()})
		return
	}
	// Unknown commands are refused at once, so the longer time of
	// Ops costs nothing when the name is made up.
	limit := timeout(req.Command)
	c.SetDeadline(time.Now().Add(limit))
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	actor := Actor(uid)
	if req.OSUser != "" && "cli:"+req.OSUser != actor {
		claimed := req.OSUser
		if !osUserName.MatchString(claimed) {
			claimed = "(not a user name)" // the log never quotes request content
		}
		s.logger.Info("control socket: the caller's claimed user differs from its uid's; acting as the uid's", "claimed", claimed, "actor", actor)
	}
	resp := Exec(ctx, s.backend, auth.Local(actor), req)
	// Never the request, not even a command name it made up: it may
	// hold a password.
	command := req.Command
	if _, op := s.backend.Ops[command]; !op && !slices.Contains(commands, command) {
		command = "(unknown)"
	}
	s.logger.Info("control command", "command", command, "actor", actor, "peer_pid", pid,
		"ok", resp.Error == "", "duration", time.Since(start).Round(time.Millisecond))
	if err := reply(c, resp); err != nil {
		s.logger.Warn("control socket: writing the answer", "err", err, "command", command)
	}
}

// readRequest reads one request of at most MaxRequest bytes, ended by
// the client closing its side, and decodes it strictly.
func readRequest(c io.Reader) (Request, error) {
	var req Request
	body, err := io.ReadAll(io.LimitReader(c, MaxRequest+1))
	if err != nil {
		return req, fmt.Errorf("control: reading the request: %w", err)
	}
	if len(body) > MaxRequest {
		return req, fmt.Errorf("%w: larger than %d bytes", errRequestSize, MaxRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("%w: %w", errMalformed, err)
	}
	if req.Command == "" {
		return req, fmt.Errorf("%w: no command", errMalformed)
	}
	return req, nil
}

// Request errors, which problem names for the log.
var (
	errRequestSize = errors.New("control: request too large")
	errMalformed   = errors.New("control: malformed request")
)

// problem says what is wrong with a request without quoting it.
func problem(err error) string {
	switch {
	case errors.Is(err, errRequestSize):
		return "too large"
	case errors.Is(err, errMalformed):
		return "malformed"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "not sent in time"
	}
	return "unreadable"
}

func reply(w io.Writer, resp Response) error {
	return json.NewEncoder(w).Encode(resp)
}

// Actor names the command line of OS user uid in the audit trail:
// cli:<its account name>, or cli:uid-N when the account has no name.
// The server takes uid from the connection, never from the request.
func Actor(uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli:uid-" + id
}
