package zxcvbn

import (
	"testing"

	upstream "github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/frequency"
)

// TestGuessesMatchUpstream scores passwords built from every kind of
// pattern, and words from each list with decorations, with this copy and
// with upstream v1.0.1: the packed lists must change nothing.
func TestGuessesMatchUpstream(t *testing.T) {
	passwords := []string{
		"", "a", "password", "Password1!", "P4ssw0rd", "drowssap", "qwER43@!",
		"correcthorsebatterystaple", "Tr0ub4dour&3", "1234567890abc", "aaaaaaaaaaaa",
		"abcdefghijkl", "2019-12-31 ward", "jennifersmith1984", "iloveyou2never",
		"zxcvbnmasdfgh", "ward-monitoring-admin", "dragonballz!!", "1qaz2wsx3edc",
		"rosebud the sled", "K9#vLp2@xQ7!mZ", "éléphant-rose", "日本語のパスワード",
	}
	for _, list := range frequency.FrequencyLists {
		for i := 0; i < len(list); i += len(list)/40 + 1 {
			w := list[i]
			passwords = append(passwords, w, w+"2024!", "The"+w+"s", w+w, reverse(w)+"77")
		}
	}
	inputs := []string{"alice", "ward"}
	for _, p := range passwords {
		got, want := PasswordStrength(p, inputs), upstream.PasswordStrength(p, inputs)
		if got.Guesses != want.Guesses || got.Score != want.Score || len(got.Sequence) != len(want.Sequence) {
			t.Errorf("%q: guesses %v score %d (%d parts); upstream %v score %d (%d parts)",
				p, got.Guesses, got.Score, len(got.Sequence), want.Guesses, want.Score, len(want.Sequence))
		}
	}
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
