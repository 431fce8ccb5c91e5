package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"image/png"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/ward-monitoring/ward/storage"
)

// TOTP parameters (RFC 6238): what every authenticator app supports.
const (
	totpPeriod     = 30 // seconds per step
	totpSkew       = 1  // steps accepted either side of now
	totpSecretSize = 20 // bytes, as RFC 4226 recommends for SHA-1
	qrSize         = 256
)

var (
	totpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	b32      = base32.StdEncoding.WithPadding(base32.NoPadding)
)

// totpStep is the RFC 6238 time step of t.
func totpStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// totpCode is the code for step, with digits digits (6 for ward; the RFC's
// own test vectors use 8).
func totpCode(secret []byte, step int64, digits otp.Digits) (string, error) {
	opts := totpOpts
	opts.Digits = digits
	return hotp.GenerateCodeCustom(b32.EncodeToString(secret), uint64(step), opts)
}

// matchTOTP returns the step, within ±totpSkew of now, whose code is
// code. Every candidate is computed and compared in constant time, so the
// time taken does not say which step matched or how much of a code was
// right.
func matchTOTP(secret []byte, code string, now time.Time) (int64, bool) {
	cur := totpStep(now)
	var found int64
	ok := 0
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		want, err := totpCode(secret, s, otp.DigitsSix)
		if err != nil {
			return 0, false
		}
		eq := subtle.ConstantTimeCompare([]byte(want), []byte(code))
		if eq == 1 && ok == 0 {
			found = s
		}
		ok |= eq
	}
	return found, ok == 1
}

// consumeStep records that step's code was used, so it is accepted at
// most once, and forgets steps that can no longer be valid.
func consumeStep(u *storage.User, step int64, now time.Time) error {
	oldest := totpStep(now) - totpSkew
	u.UsedSteps = slices.DeleteFunc(u.UsedSteps, func(s int64) bool { return s < oldest })
	if slices.Contains(u.UsedSteps, step) {
		return ErrInvalidCode
	}
	u.UsedSteps = append(u.UsedSteps, step)
	return nil
}

// isTOTPCode reports whether s (spaces removed) is a 6-digit code rather
// than a recovery code.
func isTOTPCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// cleanCode removes the spaces and dashes people type or paste.
func cleanCode(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s)
}

// Enrolment is what the enrolment page shows: the secret as a QR code
// and as a manual key.
type Enrolment struct {
	// Secret is the base32 key for manual entry.
	Secret string
	// URI is the otpauth:// provisioning URI the QR code encodes.
	URI string
	// QRCode is a PNG of URI, generated in-process.
	QRCode  []byte
	Expires time.Time
}

// newEnrolment makes a fresh secret for account.
func newEnrolment(issuer, account string) (Enrolment, []byte, error) {
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: totpPeriod,
		SecretSize: totpSecretSize, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return Enrolment{}, nil, fmt.Errorf("auth: totp: %w", err)
	}
	secret, err := b32.DecodeString(k.Secret())
	if err != nil {
		return Enrolment{}, nil, fmt.Errorf("auth: totp: %w", err)
	}
	img, err := k.Image(qrSize, qrSize)
	if err != nil {
		return Enrolment{}, nil, fmt.Errorf("auth: qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, nil, fmt.Errorf("auth: qr code: %w", err)
	}
	return Enrolment{Secret: k.Secret(), URI: k.URL(), QRCode: buf.Bytes()}, secret, nil
}

// totpAD binds a sealed secret to its user.
func totpAD(user string) []byte { return []byte("ward totp secret\x00" + user) }
