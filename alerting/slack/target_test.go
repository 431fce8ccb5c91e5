package slack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCredentialRead: a token or webhook URL file is read at every call,
// loses surrounding whitespace, and an empty one is an error, not an
// empty credential sent to Slack.
func TestCredentialRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	for _, tc := range []struct {
		name    string
		cred    credential
		content string
		want    string
		wantErr string
	}{
		{"inline", credential{value: " xoxb-1 "}, "", " xoxb-1 ", ""},
		{"file trimmed", credential{file: file}, "\t xoxb-2 \r\n", "xoxb-2", ""},
		{"file empty", credential{file: file}, " \n", "", "is empty"},
		{"file missing", credential{file: filepath.Join(dir, "missing")}, "", "", "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(file, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := tc.cred.read()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("read = %q, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("read = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	// Rotation: the next read sees the new file.
	c := credential{file: file}
	for _, v := range []string{"old", "new"} {
		if err := os.WriteFile(file, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := c.read(); err != nil || got != v {
			t.Errorf("after writing %q: read = %q, %v", v, got, err)
		}
	}
}
