package auth

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/frequency"

	"github.com/ward-monitoring/ward/errkind"
)

// Password length bounds, in characters (NIST SP 800-63B: at least 8,
// ward asks 12; allow at least 64, ward allows 256).
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// Password policy errors, each matched with errors.Is. There are no
// composition rules (NIST SP 800-63B 3.1.1.2).
var (
	ErrPasswordTooShort    = newError(errkind.Invalid, fmt.Sprintf("password must be at least %d characters", MinPasswordLength))
	ErrPasswordTooLong     = newError(errkind.Invalid, fmt.Sprintf("password must be at most %d characters", MaxPasswordLength))
	ErrPasswordCommon      = newError(errkind.Invalid, "password is too common or predictable; a few unrelated words make a strong one")
	ErrPasswordHasUsername = newError(errkind.Invalid, "password must not contain the username")
	ErrPasswordInvalidUTF8 = newError(errkind.Invalid, "password is not valid UTF-8")
)

// minGuesses is zxcvbn's estimate below which a password counts as
// predictable (its score 2 and up passes).
const minGuesses = 1e6

// isCommonPassword reports whether the lower-case password is on
// zxcvbn's list of the 30,000 most common passwords (from leaked password
// corpora). The list is scanned in place, about 0.1 ms a check: a set of
// it would keep 2 MB of heap for the few checks a ward ever makes
// (issue 15). zxcvbn's own ranked dictionaries, built in its package
// init, stay (about 6 MB): see the issue 15 note.
func isCommonPassword(lower string) bool {
	return slices.Contains(frequency.FrequencyLists["passwords"], lower)
}

// CheckPassword applies ward's password policy for the user username:
// 12 to 256 characters, not containing the username, and neither on the
// common-password list nor guessable from it with the usual decorations
// (capitals, digits, l33t, repetition, keyboard patterns), which zxcvbn
// estimates from the same list.
func CheckPassword(username, password string) error {
	if !utf8.ValidString(password) {
		return ErrPasswordInvalidUTF8
	}
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return ErrPasswordTooShort
	case n > MaxPasswordLength:
		return ErrPasswordTooLong
	}
	lower := strings.ToLower(password)
	if username != "" && strings.Contains(lower, strings.ToLower(username)) {
		return ErrPasswordHasUsername
	}
	if isCommonPassword(lower) {
		return ErrPasswordCommon
	}
	if zxcvbn.PasswordStrength(password, []string{username}).Guesses < minGuesses {
		return ErrPasswordCommon
	}
	return nil
}
