// Package secret owns credentials that ward's configuration points at: the
// Secret type, which never prints its value, reading one from an
// environment variable or a file, and scrubbing known secrets out of
// messages before they reach a log, a result or a page.
package secret

import (
	"fmt"
	"os"
	"strings"
)

// Redacted stands in for a secret's value wherever it would be shown.
const Redacted = "<redacted>"

// Secret is a credential held in the configuration (an HTTP header value)
// or read for one use. It prints and marshals as <redacted>; use
// string(s) at the one place that sends it.
type Secret string

// String returns <redacted>, so %v and %s never show the value.
func (Secret) String() string { return Redacted }

// GoString returns <redacted> for %#v.
func (Secret) GoString() string { return Redacted }

// MarshalYAML renders the secret as <redacted>, and an empty one as "".
func (s Secret) MarshalYAML() (any, error) {
	if s == "" {
		return "", nil
	}
	return Redacted, nil
}

// MarshalJSON renders the secret as "<redacted>", and an empty one as "".
func (s Secret) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte(`""`), nil
	}
	return []byte(`"` + Redacted + `"`), nil
}

// Read returns the value of the environment variable env or the contents
// of file (without trailing newlines), whichever is set; both empty yields
// "". It reads afresh at every call, so a rotated secret needs no reload.
// Errors name the variable or file, never the value.
func Read(env, file string) (Secret, error) {
	switch {
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", env)
		}
		return Secret(v), nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("secret file: %w", err)
		}
		return Secret(strings.TrimRight(string(b), "\r\n")), nil
	}
	return "", nil
}

// Redact replaces every occurrence of each non-empty secret in msg with
// <redacted>. Callers keep secrets out of their messages in the first
// place; this is the second line of defence against a library or a server
// that echoes one back.
func Redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, Redacted)
		}
	}
	return msg
}
