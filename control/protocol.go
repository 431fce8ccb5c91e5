// Package control owns ward's control socket: a Unix socket in the data
// directory through which `ward user`, `ward token` and `ward audit
// verify` act on a running ward (whose database they cannot open), and
// the one table of commands those requests map to, which the command
// line also runs directly against the database when no ward runs.
//
// The protocol is one JSON request and one JSON response per
// connection: the client writes its request and shuts down its writing
// side; the server reads at most MaxRequest bytes, answers and closes.
package control

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// Limits of the protocol.
const (
	// MaxRequest bounds a request; the largest real one (a user with a
	// long password and email) is under 1 KiB.
	MaxRequest = 64 << 10
	// MaxResponse bounds what a client reads: a list of every user or
	// token, or an audit result with its anchors.
	MaxResponse = 16 << 20
	// ReadTimeout bounds the time a client may take to send its request.
	ReadTimeout = 5 * time.Second
	// CommandTimeout bounds one command, answer included: verifying a
	// long audit trail is the slowest.
	CommandTimeout = 2 * time.Minute
	// OpTimeout bounds one of Backend.Ops' commands: a backup of ward
	// itself copies the whole TSDB, and a key rotation re-seals every
	// secret; each bounds its own steps besides.
	OpTimeout = time.Hour
	// MaxConns bounds the connections served at once; more are told the
	// server is busy.
	MaxConns = 4
)

// Commands.
const (
	UserAdd           = "user.add"
	UserList          = "user.list"
	UserSetRole       = "user.set-role"
	UserSetPassword   = "user.reset-password"
	UserResetLink     = "user.reset-link"
	UserReset2FA      = "user.reset-2fa"
	UserDisable       = "user.disable"
	UserEnable        = "user.enable"
	UserClearThrottle = "user.clear-throttle"
	TokenCreate       = "token.create"
	TokenList         = "token.list"
	TokenRevoke       = "token.revoke"
	AuditVerify       = "audit.verify"
)

// SocketDir and SocketName place the socket: <data>/control/ward.sock.
const (
	SocketDir  = "control"
	SocketName = "ward.sock"
)

// SocketPath is where the ward using dataDir listens.
func SocketPath(dataDir string) string {
	return filepath.Join(dataDir, SocketDir, SocketName)
}

// Request is one command. Only the fields the command uses are set.
type Request struct {
	Command string `json:"command"`
	// OSUser is the caller's own account name. The server does not
	// trust it: the actor comes from the peer's uid. It is logged when
	// the two differ.
	OSUser string `json:"os_user,omitempty"`

	Name  string `json:"name,omitempty"`
	Role  string `json:"role,omitempty"`
	Email string `json:"email,omitempty"`
	// Password of user.add and user.reset-password: the socket is
	// local and peer-checked; it is never logged.
	Password string `json:"password,omitempty"`
	// Scopes and Expires of token.create (zero: the default expiry).
	Scopes  []string  `json:"scopes,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
	// Anchors of audit.verify, as audit.ParseExternal reads them.
	Anchors []string `json:"anchors,omitempty"`
	// Args are the arguments of the commands a Backend's Ops serve
	// (issue 14: key rotation, compliance reports, self-backups), by
	// name; each Op says which it reads.
	Args map[string]string `json:"args,omitempty"`
}

// Response is the answer to a Request: Error, or the command's result.
type Response struct {
	Error string `json:"error,omitempty"`
	// Actor is who the command was done as (cli:<os user>).
	Actor string `json:"actor,omitempty"`

	User   *auth.User      `json:"user,omitempty"`
	Users  []auth.User     `json:"users,omitempty"`
	Tokens []auth.APIToken `json:"tokens,omitempty"`
	// Token is a new API token or a reset token: shown once.
	Token string        `json:"token,omitempty"`
	Audit *audit.Result `json:"audit,omitempty"`
	// Text is an Op's report for a person; Data its result for a
	// program (JSON).
	Text string          `json:"text,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// timeout is how long the command named command may take.
func timeout(command string) time.Duration {
	if slices.Contains(commands, command) {
		return CommandTimeout
	}
	return OpTimeout
}

// Err is the response's error, or nil.
func (r Response) Err() error {
	if r.Error == "" {
		return nil
	}
	return errors.New(r.Error)
}
