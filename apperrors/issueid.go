package apperrors

import "strings"

// IssueIDOf is the id of the issue that project's events sent with the
// SDK fingerprint fp join (fp literal: no "{{ default }}" parts, each
// part at most 200 bytes): where a client that sets a fingerprint finds
// its issue's page, /errors/issues/<id>.
func IssueIDOf(project string, fp []string) string {
	return issueID(project, fingerprintHash("fingerprint\n"+strings.Join(fp, "\n")))
}
