package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/control"
)

const tokenUsage = `Usage:
  ward token create --name NAME --role ROLE [--scope SCOPE]... [--expires WHEN]
                                  create an API token and print it once
  ward token list                 list API tokens (never the tokens themselves)
  ward token revoke NAME          delete an API token

  --scope SCOPE    narrow the token below its role (repeatable): metrics:read
                   (Grafana, promtool), alerts:write (amtool), backups:ping
                   (backup scripts), audit:read (a SIEM; admin tokens only);
                   without it the token has its whole role
  --expires WHEN   a duration from now (90d, 12w, 1y) or a date (2027-03-01,
                   or RFC 3339); default: auth.tokens.default_expiry (90d)

API clients (Grafana, amtool, scripts) send the token as
"Authorization: Bearer TOKEN". Every command takes --config FILE (default:
the embedded default config) and works whether or not ward runs (see
"ward user --help").
`

// tokenCmd runs `ward token ...` and returns the exit code.
func tokenCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, tokenUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub, args := args[0], args[1:]
	fs := newFlags("token "+sub, "ward token "+sub+" [flags]", stderr)
	cfgFile := fs.String("config", "", "configuration file (default: the embedded default config)")
	var name, role, expires *string
	var scopes []string
	positional := 0
	switch sub {
	case "create":
		name = fs.String("name", "", "token name, e.g. grafana (required)")
		role = fs.String("role", "", "role: viewer, operator or admin (required)")
		expires = fs.String("expires", "", "a duration from now (90d) or a date (2027-03-01); default auth.tokens.default_expiry")
		fs.Func("scope", "metrics:read, alerts:write, backups:ping or audit:read (repeatable)", func(s string) error {
			_, err := auth.ParseScope(s)
			if err == nil {
				scopes = append(scopes, s)
			}
			return err
		})
	case "list":
	case "revoke":
		positional = 1
	default:
		fmt.Fprintf(stderr, "ward token: unknown command %q\n\n%s", sub, tokenUsage)
		return 2
	}
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(pos) != positional || (name != nil && (*name == "" || *role == "")) {
		fmt.Fprint(stderr, tokenUsage)
		return 2
	}
	req := control.Request{Command: control.TokenList}
	switch sub {
	case "create":
		req = control.Request{Command: control.TokenCreate, Name: *name, Role: *role, Scopes: scopes}
		if *expires != "" {
			t, err := parseExpires(*expires, time.Now())
			if err != nil {
				fmt.Fprintf(stderr, "ward token create: --expires: %v\n", err)
				return 2
			}
			req.Expires = t
		}
	case "revoke":
		req = control.Request{Command: control.TokenRevoke, Name: pos[0]}
	}
	resp, _, err := dispatch(context.Background(), *cfgFile, req, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ward token %s: %v\n", sub, err)
		return 1
	}
	switch sub {
	case "create":
		exp := "never"
		if len(resp.Tokens) == 1 && !resp.Tokens[0].Expires.IsZero() {
			exp = resp.Tokens[0].Expires.UTC().Format(time.DateOnly)
		}
		what := *role
		if len(scopes) > 0 {
			what += ", scopes " + strings.Join(scopes, " ")
		}
		fmt.Fprintf(stderr, "API token %q (%s) created, expires %s; it is shown only this once:\n", *name, what, exp)
		fmt.Fprintln(stdout, resp.Token)
	case "list":
		err = tokenList(stdout, resp.Tokens)
	case "revoke":
		fmt.Fprintf(stdout, "API token %q revoked\n", pos[0])
	}
	if err != nil {
		fmt.Fprintf(stderr, "ward token %s: %v\n", sub, err)
		return 1
	}
	return 0
}

// parseExpires reads --expires: a duration from now in Prometheus'
// syntax (90d, 12w, 1y) or a date (2027-03-01, midnight local time) or
// an RFC 3339 time. It must be in the future.
func parseExpires(s string, now time.Time) (time.Time, error) {
	var t time.Time
	if d, err := model.ParseDuration(s); err == nil {
		t = now.Add(time.Duration(d))
	} else if t, err = time.ParseInLocation(time.DateOnly, s, time.Local); err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return t, fmt.Errorf("want a duration (90d, 12w, 1y) or a date (2027-03-01), got %q", s)
		}
	}
	if !t.After(now) {
		return t, fmt.Errorf("%q is not in the future", s)
	}
	return t, nil
}

// tokenList prints API tokens as a table, never the tokens themselves.
func tokenList(stdout io.Writer, tokens []auth.APIToken) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tSCOPES\tEXPIRES\tCREATED\tBY\tLAST USED\tFROM")
	for _, t := range tokens {
		last, from := "never", "-"
		if !t.LastUsed.IsZero() {
			last = t.LastUsed.UTC().Format(time.RFC3339)
		}
		if t.LastIP != "" {
			from = t.LastIP
		}
		scopes := "(whole role)"
		if len(t.Scopes) > 0 {
			s := make([]string, len(t.Scopes))
			for i, sc := range t.Scopes {
				s[i] = string(sc)
			}
			scopes = strings.Join(s, ",")
		}
		expires := "never"
		if !t.Expires.IsZero() {
			expires = t.Expires.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.Role, scopes, expires,
			t.Created.UTC().Format(time.RFC3339), t.CreatedBy, last, from)
	}
	return tw.Flush()
}
