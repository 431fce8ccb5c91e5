package ui

// Copy-ready configuration for a token just made (issue 13). The token
// goes into the page once and nowhere else: never a log line.

import "github.com/ward-monitoring/ward/auth"

// httpConfigSnippet is Prometheus' common HTTP client configuration, as
// amtool and promtool read it from --http.config.file: a bearer token.
func httpConfigSnippet(token string) string {
	return "authorization:\n  credentials: " + token + "\n"
}

// amtoolSnippet uses the HTTP configuration saved as ward-http.yml.
func amtoolSnippet(base string) string {
	return "amtool --alertmanager.url=" + base + " --http.config.file=ward-http.yml silence query"
}

// promtoolSnippet queries through the same file.
func promtoolSnippet(base string) string {
	return "promtool query instant --http.config.file=ward-http.yml " + base + " up"
}

// grafanaSnippet provisions a Prometheus datasource with the token in a
// custom Authorization header (Grafana's httpHeaderName1/Value1).
func grafanaSnippet(base, token string) string {
	return "apiVersion: 1\ndatasources:\n  - name: ward\n    type: prometheus\n    access: proxy\n    url: " + base +
		"\n    jsonData:\n      httpHeaderName1: Authorization\n    secureJsonData:\n      httpHeaderValue1: Bearer " + token + "\n"
}

// backupStatusSnippet reads the backups' status with the token kept in a
// file (so it stays out of the shell history and ps).
func backupStatusSnippet(base string) string {
	return "curl -fsS -H @ward-auth-header " + base + "/api/backups/status/"
}

// backupRunSnippet starts a job now.
func backupRunSnippet(base string) string {
	return "curl -fsS -X POST -H @ward-auth-header " + base + "/api/backups/jobs/JOB/run"
}

// authHeaderFile is the header file curl reads with -H @file.
func authHeaderFile(token string) string {
	return "Authorization: Bearer " + token + "\n"
}

// opens reports whether the new token may use what scope opens: the
// snippets shown are only those that work with it.
func (n newToken) opens(scope auth.Scope) bool {
	return n.Role.AtLeast(scope.MinRole()) && auth.Allows(n.Scopes, scope)
}
