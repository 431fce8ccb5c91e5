package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
)

// TestRotateLeavesNoOldCiphertext: after a rotation no value sealed under
// the old key is left in the database file, free pages included (bbolt
// frees the pages a re-seal replaced but does not clear them).
func TestRotateLeavesNoOldCiphertext(t *testing.T) {
	f := newRotFix(t, 150)
	var old [][]byte
	for _, name := range []string{"user0000", "user0001", "user0149"} {
		u, err := f.st.User(name)
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, u.TOTPSecret, u.PendingTOTP)
	}
	check, _, err := f.st.KeyCheck()
	if err != nil {
		t.Fatal(err)
	}
	old = append(old, check)
	db := filepath.Join(f.dir, "ward.db")
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range old {
		if len(v) > 0 && !holds(before, v) {
			t.Fatalf("sealed value %d is not in the file before the rotation: the test would prove nothing", i)
		}
	}
	if _, err := RotateKey(context.Background(), f.st, f.key, RotateOptions{Batch: 50}); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range old {
		if len(v) > 0 && holds(after, v) {
			t.Errorf("sealed value %d (under the old key) is still in %s after the rotation", i, db)
		}
	}
	f.checkDone(t)
}

// holds reports whether file holds v, raw or as JSON encodes it (base64).
func holds(file, v []byte) bool {
	return bytes.Contains(file, v) || bytes.Contains(file, []byte(base64.StdEncoding.EncodeToString(v)))
}
