package backups

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/ward-monitoring/ward/config"
)

// A restore writes only where no production data directory is: never
// into one, never into a directory that holds one (a restore target of
// /var/lib with --delta would delete the cluster under it). Paths are
// compared resolved, so a symlink into production is still production.

// maxSocketDir bounds the data directory a drill's postgres listens in:
// its unix socket (DIR/.s.PGSQL.PORT) must fit sun_path (108 bytes).
const maxSocketDir = 107 - len("/.s.PGSQL.65535")

// pgPathKey matches pgbackrest.conf's pg1-path ... pg256-path.
var pgPathKey = regexp.MustCompile(`^pg[0-9]{1,3}-path$`)

// defaultIncludePath is pgBackRest's config-include-path default; its
// *.conf files are read too, whatever --config says (more production
// paths only make the check stricter).
const defaultIncludePath = "/etc/pgbackrest/conf.d"

// productionDirs lists st's production data directories, resolved: the
// stanza's data_dirs and every pg*-path in its pgbackrest.conf (and the
// include directory's files). A config that cannot be read is an error:
// without it the restore cannot know where production is.
func productionDirs(st config.BackupStanza) ([]string, error) {
	dirs := slices.Clone(st.DataDirs)
	if st.Config == "" {
		return nil, errors.New("stanza config: required to find the production data directories")
	}
	paths, include, err := confPGPaths(st.Config)
	if err != nil {
		return nil, err
	}
	dirs = append(dirs, paths...)
	incs := []string{defaultIncludePath}
	if include != "" {
		incs = append(incs, include)
	}
	for _, inc := range incs {
		files, _ := filepath.Glob(filepath.Join(inc, "*.conf"))
		for _, f := range files {
			p, _, err := confPGPaths(f)
			if err != nil {
				return nil, err
			}
			dirs = append(dirs, p...)
		}
	}
	var out []string
	for _, d := range dirs {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		r, err := resolvePath(d)
		if err != nil {
			return nil, fmt.Errorf("production data directory %s: %w", d, err)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no pg1-path and no data_dirs: cannot tell where production is", st.Config)
	}
	return out, nil
}

// confPGPaths reads an INI file's pg*-path values (any section) and its
// config-include-path.
func confPGPaths(path string) (paths []string, include string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("stanza config: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxConfBytes)
	n := 0
	for sc.Scan() {
		n += len(sc.Bytes()) + 1
		if n > maxConfBytes {
			return nil, "", fmt.Errorf("stanza config %s: over %d bytes", path, maxConfBytes)
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case pgPathKey.MatchString(k):
			paths = append(paths, v)
		case k == "config-include-path":
			include = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("stanza config %s: %w", path, err)
	}
	return paths, include, nil
}

// resolvePath makes p absolute and resolves the symlinks of its longest
// existing prefix; the part that does not exist yet is appended as is
// (after Clean, so no ".." is left to climb out).
func resolvePath(p string) (string, error) {
	p, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	var rest []string
	cur := p
	for {
		r, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(append([]string{r}, rest...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p, nil
		}
		rest = append([]string{filepath.Base(cur)}, rest...)
		cur = parent
	}
}

// within reports whether p is dir or inside it; both are resolved.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// checkRestorePath refuses dest when it is a production data directory,
// inside one, or holds one. It returns dest resolved.
func checkRestorePath(dest string, prod []string) (string, error) {
	if !filepath.IsAbs(dest) {
		return "", fmt.Errorf("%w: restore path %q is not absolute", ErrRefused, dest)
	}
	r, err := resolvePath(dest)
	if err != nil {
		return "", fmt.Errorf("restore path %s: %w", dest, err)
	}
	for _, d := range prod {
		switch {
		case within(r, d):
			return "", fmt.Errorf("%w: %s is (inside) the production data directory %s", ErrRefused, dest, d)
		case within(d, r):
			return "", fmt.Errorf("%w: %s holds the production data directory %s", ErrRefused, dest, d)
		}
	}
	if len(r) > maxSocketDir {
		return "", fmt.Errorf("%w: restore path %s is %d bytes; its postgres socket needs at most %d",
			ErrRefused, r, len(r), maxSocketDir)
	}
	return r, nil
}
