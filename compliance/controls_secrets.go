package compliance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sealedMin is the shortest a sealed secret can be: AES-GCM's 12-byte
// nonce and 16-byte tag around at least one byte.
const sealedMin = 12 + 16 + 1

// plainTOTP says whether a stored TOTP secret looks like the plain base32
// text of one rather than sealed bytes: sealed bytes are random, and a
// run of 40 or more all in the base32 alphabet does not happen.
func plainTOTP(b []byte) bool {
	if len(b) < sealedMin {
		return true
	}
	for _, c := range b {
		if !('A' <= c && c <= 'Z' || '2' <= c && c <= '7' || c == '=') {
			return false
		}
	}
	return true
}

// checkSecrets: TOTP secrets are stored sealed under the secret key
// (tokens, sessions and recovery codes are stored as hashes), and the key
// is not in the data directory. ward never writes the key into its
// database: only a check value sealed under it.
func checkSecrets(e *env) Result {
	threshold := "every stored secret sealed or hashed; the key outside the data directory"
	users, err := e.facts.Users()
	if err != nil {
		return failed("", threshold, "reading users: "+err.Error(), usersSource)
	}
	sealed := 0
	var plain []string
	for _, u := range users {
		for _, s := range [][]byte{u.TOTPSecret, u.PendingTOTP} {
			if len(s) == 0 {
				continue
			}
			if plainTOTP(s) {
				plain = append(plain, u.Name)
			} else {
				sealed++
			}
		}
	}
	key := e.facts.SecretKey()
	where := "$WARD_SECRET_KEY"
	if !key.Env {
		where = key.File
	}
	src := []Source{usersSource, configSource("auth.secret_key_file")}
	value := fmt.Sprintf("%d TOTP secrets sealed, %d in plain text; key from %s", sealed, len(plain), where)
	if len(plain) > 0 {
		return failed(value, threshold, "TOTP secrets of "+names(plain)+" are not sealed: reset their 2FA (`ward user reset-2fa NAME`) so that they enrol again.", src...)
	}
	if !key.Env && within(key.File, e.cfg.Storage.Path) {
		return Result{Status: Warn, Value: value, Threshold: threshold, Sources: src,
			Detail: "The key file is inside the data directory, so a copy of the directory opens the secrets: move it elsewhere and point `WARD_SECRET_KEY_FILE` or `auth.secret_key_file` at it (see [Secret key and rotation](/docs#secret-key-and-rotation)). (The key is never in the database itself.)"}
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}

// within says whether path is inside dir, both resolved through their
// symbolic links (as far as they exist): a key file that is a link into
// the data directory, or outside a data directory reached through a link,
// is where the link leads. Unresolvable paths count as inside: the check
// errs towards a warning.
func within(path, dir string) bool {
	p, err1 := resolve(path)
	d, err2 := resolve(dir)
	if err1 != nil || err2 != nil {
		return true
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolve makes path absolute and follows its symbolic links; a path
// whose last parts do not exist yet is resolved as far as it exists.
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	var rest []string
	for cur := abs; ; {
		real, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(append([]string{real}, rest...)...), nil
		}
		if !os.IsNotExist(err) {
			return "", err
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs, nil
		}
		rest = append([]string{filepath.Base(cur)}, rest...)
		cur = parent
	}
}

// checkDataDir: the data directory is a real directory (not a symbolic
// link, whose target's permissions and ownership the link hides) of mode
// 0700, and the key file, when ward reads its key from one, is readable
// by ward's user only (0600 or stricter).
func checkDataDir(e *env) Result {
	dir := e.cfg.Storage.Path
	threshold := "a directory of mode 0700 (no access for group or others), not a symbolic link; the key file 0600"
	src := []Source{configSource("storage.path"), configSource("auth.secret_key_file")}
	fi, err := os.Lstat(dir)
	if err != nil {
		return failed("", threshold, "stat "+dir+": "+err.Error(), src...)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		to, _ := filepath.EvalSymlinks(dir)
		return failed("a symbolic link to "+to, threshold,
			"Point `storage.path` at the directory itself ("+to+"): through a link, what is checked and what is used can differ, and the link can be swapped.", src...)
	}
	perm := fi.Mode().Perm()
	value := fmt.Sprintf("data directory %#o", perm)
	var fix []string
	if perm&0o077 != 0 {
		fix = append(fix, "Run `chmod 700 "+dir+"`: it holds the sessions, the audit trail and the sealed secrets.")
	}
	if key := e.facts.SecretKey(); !key.Env && key.File != "" {
		kfi, err := os.Stat(key.File)
		switch {
		case err != nil:
			return failed(value, threshold, "stat "+key.File+": "+err.Error(), src...)
		case kfi.Mode().Perm()&0o077 != 0:
			fix = append(fix, "Run `chmod 600 "+key.File+"`: the key opens every sealed secret.")
		}
		if err == nil {
			value += fmt.Sprintf(", key file %#o", kfi.Mode().Perm())
		}
	}
	if len(fix) > 0 {
		return failed(value, threshold, strings.Join(fix, " "), src...)
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}
