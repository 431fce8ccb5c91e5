package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/ward-monitoring/ward/app"
	"github.com/ward-monitoring/ward/auth"
)

const tokenUsage = `Usage:
  ward token create --name NAME --role ROLE   create an API token and print it once
  ward token list                             list API tokens (never the tokens themselves)
  ward token revoke NAME                      delete an API token

API clients (Grafana, amtool, scripts) send the token as
"Authorization: Bearer TOKEN". Every command takes --config FILE (default:
the embedded default config) and works on a stopped ward.
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
	var name, role *string
	positional := 0
	switch sub {
	case "create":
		name = fs.String("name", "", "token name, e.g. grafana (required)")
		role = fs.String("role", "", "role: viewer, operator or admin (required)")
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
	off, err := app.OpenOffline(*cfgFile, cliLogger(stderr))
	if err != nil {
		fmt.Fprintf(stderr, "ward token %s: %v\n", sub, err)
		return 1
	}
	defer off.Close()
	svc := off.Auth
	ctx := context.Background()
	p := auth.Local(cliActor())
	switch sub {
	case "create":
		var r auth.Role
		if r, err = auth.ParseRole(*role); err == nil {
			var token string
			if token, err = svc.CreateAPIToken(ctx, p, *name, r); err == nil {
				fmt.Fprintf(stderr, "API token %q (%s) created; it is shown only this once:\n", *name, r)
				fmt.Fprintln(stdout, token)
			}
		}
	case "list":
		err = tokenList(ctx, svc, p, stdout)
	case "revoke":
		err = svc.RevokeAPIToken(ctx, p, pos[0])
		report(stdout, err, "API token %q revoked\n", pos[0])
	}
	if err != nil {
		fmt.Fprintf(stderr, "ward token %s: %v\n", sub, err)
		return 1
	}
	return 0
}

func tokenList(ctx context.Context, svc *auth.Service, p *auth.Principal, stdout io.Writer) error {
	tokens, err := svc.APITokens(ctx, p)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tBY\tLAST USED")
	for _, t := range tokens {
		last := "never"
		if !t.LastUsed.IsZero() {
			last = t.LastUsed.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Role, t.Created.UTC().Format(time.RFC3339), t.CreatedBy, last)
	}
	return tw.Flush()
}
