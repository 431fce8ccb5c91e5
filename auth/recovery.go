package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/ward-monitoring/ward/storage"
)

// RecoveryCodeCount is how many recovery codes a user gets.
const RecoveryCodeCount = 10

// recoveryCodeBytes is each code's entropy: 80 bits, so a fast hash at
// rest cannot be brute-forced from a stolen database.
const recoveryCodeBytes = 10

var recoveryEncoding = b32

// newRecoveryCodes returns RecoveryCodeCount fresh codes to show once and
// the hashes to store.
func newRecoveryCodes() (codes []string, hashes [][]byte) {
	for range RecoveryCodeCount {
		b := make([]byte, recoveryCodeBytes)
		rand.Read(b)
		c := strings.ToLower(recoveryEncoding.EncodeToString(b)) // 16 characters
		codes = append(codes, c[0:4]+"-"+c[4:8]+"-"+c[8:12]+"-"+c[12:16])
		hashes = append(hashes, hashRecoveryCode(c))
	}
	return codes, hashes
}

// hashRecoveryCode hashes a code without its dashes, case-insensitively.
func hashRecoveryCode(code string) []byte {
	h := sha256.Sum256([]byte(strings.ToLower(cleanCode(code))))
	return h[:]
}

// useRecoveryCode removes code from u's unused codes. Every stored hash
// is compared, in constant time, whether or not one already matched.
func useRecoveryCode(u *storage.User, code string) bool {
	h := hashRecoveryCode(code)
	found := -1
	for i, stored := range u.RecoveryHashes {
		if subtle.ConstantTimeCompare(stored, h) == 1 && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return false
	}
	u.RecoveryHashes = append(u.RecoveryHashes[:found:found], u.RecoveryHashes[found+1:]...)
	return true
}
