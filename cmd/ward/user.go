package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/control"
)

const userUsage = `Usage:
  ward user add NAME --role ROLE [--email EMAIL]   add a user (password from stdin, or asked on a terminal)
  ward user list                                   list users
  ward user set-role NAME ROLE                     change a role (admin, operator or viewer)
  ward user reset-password NAME [--link]           set a new password, or print a one-time reset link
  ward user reset-2fa NAME                         remove 2FA; the user enrols again at the next sign-in
  ward user disable NAME                           disable a user and end their sessions
  ward user enable NAME                            enable a disabled user
  ward user clear-throttle NAME [--url URL]        forget failed sign-ins against NAME in a running ward

Every command takes --config FILE (default: the embedded default config),
and works whether or not ward runs: while "ward serve" runs on the data
directory, the command goes through its control socket
(<data>/control/ward.sock; run it as the OS user ward runs as), otherwise
it opens the database itself. The audit trail names the OS user as the
actor: cli:root, cli:ward.
`

// userCmd runs `ward user ...` and returns the exit code.
func userCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, userUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub, args := args[0], args[1:]
	if sub == "clear-throttle" {
		// Talks to a running ward: the throttle is in its memory.
		return clearThrottleCmd(args, stdout, stderr)
	}
	fs := newFlags("user "+sub, "ward user "+sub+" [flags]", stderr)
	cfgFile := fs.String("config", "", "configuration file (default: the embedded default config)")
	var role, email *string
	var link *bool
	positional := 1
	switch sub {
	case "add":
		role = fs.String("role", "", "role: admin, operator or viewer (required)")
		email = fs.String("email", "", "email address")
	case "list":
		positional = 0
	case "set-role":
		positional = 2
	case "reset-password":
		link = fs.Bool("link", false, "print a one-time reset link (valid 30 minutes) instead of reading a new password")
	case "reset-2fa", "disable", "enable":
	default:
		fmt.Fprintf(stderr, "ward user: unknown command %q\n\n%s", sub, userUsage)
		return 2
	}
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(pos) != positional || (role != nil && *role == "") {
		fmt.Fprint(stderr, userUsage)
		return 2
	}

	ctx := context.Background()
	var r, e string
	if role != nil {
		r, e = *role, *email
	}
	req, err := userRequest(sub, pos, r, e, link != nil && *link, stdin, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ward user %s: %v\n", sub, err)
		return 1
	}
	resp, cfg, err := dispatch(ctx, *cfgFile, req, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ward user %s: %v\n", sub, err)
		return 1
	}
	switch sub {
	case "add":
		u := resp.User
		fmt.Fprintf(stdout, "added %s (%s)\n", u.Name, u.Role)
		if u.MustEnrol {
			fmt.Fprintf(stdout, "%s must enrol in two-factor authentication at the first sign-in\n", u.Name)
		}
	case "list":
		err = userList(stdout, resp.Users)
	case "set-role":
		fmt.Fprintf(stdout, "%s is now %s; their sessions were ended\n", pos[0], pos[1])
	case "reset-password":
		if req.Command == control.UserResetLink {
			fmt.Fprintf(stdout, "one-time reset link for %s, valid for %s once ward runs:\n%sreset-password?token=%s\n",
				pos[0], auth.ResetTokenLifetime, baseURL(cfg), resp.Token)
		} else {
			fmt.Fprintf(stdout, "password of %s changed; their sessions were ended and 2FA is unchanged\n", pos[0])
		}
	case "reset-2fa":
		fmt.Fprintf(stdout, "2FA of %s was removed and their sessions ended; they enrol again at the next sign-in if their role requires it\n", pos[0])
	case "disable", "enable":
		fmt.Fprintf(stdout, "%s is %sd\n", pos[0], sub)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ward user %s: %v\n", sub, err)
		return 1
	}
	return 0
}

// userRequest is the control request of `ward user sub pos...`; it reads
// the password the command needs (after checking the role, so that a
// typo costs no typing).
func userRequest(sub string, pos []string, role, email string, link bool, stdin io.Reader, stderr io.Writer) (control.Request, error) {
	var req control.Request
	if len(pos) > 0 {
		req.Name = pos[0]
	}
	switch sub {
	case "add":
		if _, err := auth.ParseRole(role); err != nil {
			return req, err
		}
		pw, err := readPassword(stdin, stderr)
		req.Command, req.Role, req.Email, req.Password = control.UserAdd, role, email, pw
		return req, err
	case "list":
		req.Command = control.UserList
	case "set-role":
		req.Command, req.Role = control.UserSetRole, pos[1]
	case "reset-password":
		if link {
			req.Command = control.UserResetLink
			return req, nil
		}
		pw, err := readPassword(stdin, stderr)
		req.Command, req.Password = control.UserSetPassword, pw
		return req, err
	case "reset-2fa":
		req.Command = control.UserReset2FA
	case "disable":
		req.Command = control.UserDisable
	case "enable":
		req.Command = control.UserEnable
	}
	return req, nil
}

// baseURL is where reset links point: server.external_url, else the
// listen address, ending in a slash.
func baseURL(cfg *config.Config) string {
	base := cfg.Server.ExternalURL
	if base == "" {
		base = "http://" + cfg.Server.Listen + "/"
	}
	return strings.TrimSuffix(base, "/") + "/"
}

// userList prints users as a table.
func userList(stdout io.Writer, users []auth.User) error {
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tEMAIL\t2FA\tSTATUS\tCREATED\tLAST LOGIN")
	for _, u := range users {
		twoFA := "off"
		switch {
		case u.TwoFactor:
			twoFA = fmt.Sprintf("on (%d recovery codes)", u.RecoveryCodesLeft)
		case u.MustEnrol:
			twoFA = "required, not enrolled"
		}
		status := "enabled"
		if u.Disabled {
			status = "disabled"
		}
		last := "never"
		if !u.LastLogin.IsZero() {
			last = u.LastLogin.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, u.Email, twoFA, status, u.Created.Local().Format(time.DateTime), last)
	}
	return tw.Flush()
}

// cliLogger logs warnings and errors of a command to stderr.
func cliLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// readPassword asks twice, without echo, on a terminal, and otherwise
// reads the first line of stdin.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Repeat password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords do not match")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

// cliActor names the command line's user in the audit trail, as a
// running ward names it from the socket's peer uid (control.Actor).
func cliActor() string {
	return control.Actor(uint32(os.Geteuid()))
}

// parseInterspersed parses flags that may come before or after
// positional arguments (`ward user add NAME --role R`), which the flag
// package alone stops at.
func parseInterspersed(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	for {
		if code, ok := parse(fs, args); !ok {
			return nil, code, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, 0, true
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), 0, true
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
