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
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/ward-monitoring/ward/app"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
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
                                                   (admin token in WARD_TOKEN)

Every command takes --config FILE (default: the embedded default config).
All but clear-throttle work on a stopped ward: while "ward serve" runs, use
the web UI instead.
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

	off, err := app.OpenOffline(*cfgFile, cliLogger(stderr))
	if err != nil {
		fmt.Fprintf(stderr, "ward user %s: %v\n", sub, err)
		return 1
	}
	defer off.Close()
	svc, cfg := off.Auth, off.Config
	ctx := context.Background()
	p := auth.Local(cliActor())
	switch sub {
	case "add":
		err = userAdd(ctx, svc, p, pos[0], *role, *email, stdin, stdout, stderr)
	case "list":
		err = userList(ctx, svc, p, stdout)
	case "set-role":
		err = svc.SetRole(ctx, p, pos[0], auth.Role(pos[1]))
		report(stdout, err, "%s is now %s; their sessions were ended\n", pos[0], pos[1])
	case "reset-password":
		err = userResetPassword(ctx, svc, p, cfg, pos[0], *link, stdin, stdout, stderr)
	case "reset-2fa":
		err = svc.ResetTwoFactor(ctx, p, pos[0])
		report(stdout, err, "2FA of %s was removed and their sessions ended; they enrol again at the next sign-in if their role requires it\n", pos[0])
	case "disable", "enable":
		err = svc.SetDisabled(ctx, p, pos[0], sub == "disable")
		report(stdout, err, "%s is %sd\n", pos[0], sub)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ward user %s: %v\n", sub, err)
		return 1
	}
	return 0
}

func report(w io.Writer, err error, format string, args ...any) {
	if err == nil {
		fmt.Fprintf(w, format, args...)
	}
}

func userAdd(ctx context.Context, svc *auth.Service, p *auth.Principal, name, role, email string, stdin io.Reader, stdout, stderr io.Writer) error {
	r, err := auth.ParseRole(role)
	if err != nil {
		return err
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	u, err := svc.CreateUser(ctx, p, auth.NewUser{Name: name, Email: email, Role: r, Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s (%s)\n", u.Name, u.Role)
	if u.MustEnrol {
		fmt.Fprintf(stdout, "%s must enrol in two-factor authentication at the first sign-in\n", u.Name)
	}
	return nil
}

func userList(ctx context.Context, svc *auth.Service, p *auth.Principal, stdout io.Writer) error {
	users, err := svc.Users(ctx, p)
	if err != nil {
		return err
	}
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

func userResetPassword(ctx context.Context, svc *auth.Service, p *auth.Principal, cfg *config.Config, name string, link bool, stdin io.Reader, stdout, stderr io.Writer) error {
	if link {
		token, err := svc.CreateResetToken(ctx, p, name)
		if err != nil {
			return err
		}
		base := cfg.Server.ExternalURL
		if base == "" {
			base = "http://" + cfg.Server.Listen + "/"
		}
		fmt.Fprintf(stdout, "one-time reset link for %s, valid for %s once ward runs:\n%sreset-password?token=%s\n",
			name, auth.ResetTokenLifetime, strings.TrimSuffix(base, "/")+"/", token)
		return nil
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if err := svc.SetPassword(ctx, p, name, pw); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of %s changed; their sessions were ended and 2FA is unchanged\n", name)
	return nil
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

// cliActor names the command line's user in the audit trail.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
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
