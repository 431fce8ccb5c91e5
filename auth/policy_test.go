package auth

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestCommonPasswordList checks the list lookup itself: exact words of
// zxcvbn's common-password list, in any case, and near misses that are
// not on it.
func TestCommonPasswordList(t *testing.T) {
	for _, tt := range []struct {
		pw   string
		want bool
	}{
		{"qwerty123456", true}, {"QWERTY123456", true}, {"1qaz2wsx3edc", true},
		{"password", true}, {"mailcreated5240", true},
		{"qwerty1234567", false}, {"qwerty12345", true}, {"kq8#mzp2vw!t", false}, {"", false},
	} {
		if got := isCommonPassword(strings.ToLower(tt.pw)); got != tt.want {
			t.Errorf("isCommonPassword(%q) = %v, want %v", tt.pw, got, tt.want)
		}
	}
}

// policyChildEnv marks the fresh process TestCommonPasswordFirstUse
// starts.
const policyChildEnv = "WARD_TEST_POLICY_FIRST_USE"

// TestCommonPasswordFirstUse checks, in a fresh process where no password
// was ever checked, that the first check rejects a common password and
// that checking holds on to no heap (zxcvbn's own maps are built in its
// package init, before the measurement; ward's set of the list held 2 MB
// more after the first check), and that later checks still reject it.
func TestCommonPasswordFirstUse(t *testing.T) {
	if os.Getenv(policyChildEnv) == "1" {
		firstUseChild()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCommonPasswordFirstUse$", "-test.count=1")
	cmd.Env = append(os.Environ(), policyChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var grown int64
	for line := range strings.Lines(string(out)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "heap-grown-bytes="); ok {
			grown, err = strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			if grown > 256<<10 {
				t.Errorf("checking passwords left the heap %d bytes larger, want at most 256 KiB", grown)
			}
			return
		}
	}
	t.Fatalf("child printed no heap figure:\n%s", out)
}

// firstUseChild runs in the fresh process: it prints what it found and
// exits non-zero on a wrong answer.
func firstUseChild() {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i, pw := range []string{"qwerty123456", "1qaz2wsx3edc", "qwerty123456"} {
		if err := CheckPassword("alice", pw); !errors.Is(err, ErrPasswordCommon) {
			fmt.Printf("check %d of %q: %v, want ErrPasswordCommon\n", i+1, pw, err)
			os.Exit(1)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	fmt.Printf("heap-grown-bytes=%d\n", int64(after.HeapAlloc)-int64(before.HeapAlloc))
	if err := CheckPassword("alice", "kq8#mzp2vw!t"); err != nil {
		fmt.Printf("a strong password: %v\n", err)
		os.Exit(1)
	}
}
