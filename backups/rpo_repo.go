package backups

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ward-monitoring/ward/config"
)

// Limits of reading the repository side.
const (
	// maxConfBytes bounds pgbackrest.conf.
	maxConfBytes = 1 << 20
	// maxListPages bounds the S3 list calls of one measurement (1,000
	// keys each).
	maxListPages = 100
	// newestDirs is how many of the newest WAL directories are looked at:
	// the newest may have only just been started.
	newestDirs = 2
)

var (
	archiveIDRE = regexp.MustCompile(`^[0-9]+-([0-9]+)$`)
	walDirRE    = regexp.MustCompile(`^[0-9A-F]{16}$`)
)

// repoConf is the repository part of a stanza's pgBackRest options.
type repoConf map[string]string

// readRepoConf reads the options of stanza from pgbackrest.conf at file
// ([stanza] over [global]; command sections such as [global:archive-push]
// are not the repository's), then the PGBACKREST_* variables of env over
// them, as pgBackRest ranks them.
func readRepoConf(file, stanza string, env []string) (repoConf, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("pgbackrest config: %w", err)
	}
	defer f.Close()
	global, own := repoConf{}, repoConf{}
	var cur repoConf
	sc := bufio.NewScanner(io.LimitReader(f, maxConfBytes))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			sec, ok := strings.CutSuffix(line[1:], "]")
			if !ok {
				return nil, fmt.Errorf("pgbackrest config %s:%d: unterminated section", file, n)
			}
			switch sec {
			case "global":
				cur = global
			case stanza:
				cur = own
			default:
				cur = nil
			}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("pgbackrest config %s:%d: want key=value", file, n)
			}
			if cur != nil {
				cur[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("pgbackrest config %s: %w", file, err)
	}
	for k, v := range own {
		global[k] = v
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if name, ok := strings.CutPrefix(k, "PGBACKREST_"); ok {
			global[strings.ToLower(strings.ReplaceAll(name, "_", "-"))] = v
		}
	}
	return global, nil
}

func (c repoConf) get(key, def string) string {
	if v, ok := c[key]; ok && v != "" {
		return v
	}
	return def
}

// newestRepoWAL returns the time of the newest WAL segment of st in
// repository 1.
func newestRepoWAL(ctx context.Context, st config.BackupStanza) (time.Time, error) {
	env, _, err := childEnv(st.Env, st.EnvFiles)
	if err != nil {
		return time.Time{}, fmt.Errorf("repository: %w", err)
	}
	c, err := readRepoConf(st.Config, st.Name, env)
	if err != nil {
		return time.Time{}, fmt.Errorf("repository: %w", err)
	}
	root := c.get("repo1-path", "/var/lib/pgbackrest")
	switch typ := c.get("repo1-type", "posix"); typ {
	case "posix", "cifs":
		t, err := newestPosixWAL(ctx, filepath.Join(root, "archive", st.Name))
		if err != nil {
			return t, fmt.Errorf("repository: %w", err)
		}
		return t, nil
	case "s3":
		t, err := newestS3WAL(ctx, c, strings.TrimPrefix(path.Join(root, "archive", st.Name), "/")+"/")
		if err != nil {
			return t, fmt.Errorf("repository (s3): %w", err)
		}
		return t, nil
	default:
		return time.Time{}, fmt.Errorf("repository: repo1-type %s is not supported (posix, cifs, s3)", typ)
	}
}

// newestArchiveID picks the archive id of the newest database history
// ("15-1", "15-2" after a stanza-upgrade: the greatest number after the
// dash).
func newestArchiveID(names []string) (string, bool) {
	best, bestN := "", -1
	for _, n := range names {
		m := archiveIDRE.FindStringSubmatch(n)
		if m == nil {
			continue
		}
		if id, err := strconv.Atoi(m[1]); err == nil && id > bestN {
			best, bestN = n, id
		}
	}
	return best, bestN >= 0
}

// newestPosixWAL is the newest file time in the newest WAL directories
// of the newest archive id under dir.
func newestPosixWAL(ctx context.Context, dir string) (time.Time, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return time.Time{}, err
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	id, ok := newestArchiveID(names)
	if !ok {
		return time.Time{}, fmt.Errorf("no archive in %s", dir)
	}
	idDir := filepath.Join(dir, id)
	ents, err = os.ReadDir(idDir)
	if err != nil {
		return time.Time{}, err
	}
	var walDirs []string
	var newest time.Time
	for _, e := range ents {
		switch {
		case e.IsDir() && walDirRE.MatchString(e.Name()):
			walDirs = append(walDirs, e.Name())
		case e.Type().IsRegular(): // timeline history files
			if fi, err := e.Info(); err == nil && fi.ModTime().After(newest) {
				newest = fi.ModTime()
			}
		}
	}
	slices.Sort(walDirs)
	for _, d := range walDirs[max(len(walDirs)-newestDirs, 0):] {
		if err := ctx.Err(); err != nil {
			return time.Time{}, err
		}
		files, err := os.ReadDir(filepath.Join(idDir, d))
		if err != nil {
			return time.Time{}, err
		}
		for _, f := range files {
			if fi, err := f.Info(); err == nil && fi.Mode().IsRegular() && fi.ModTime().After(newest) {
				newest = fi.ModTime()
			}
		}
	}
	if newest.IsZero() {
		return newest, fmt.Errorf("no WAL in %s", idDir)
	}
	return newest, nil
}

// newestS3WAL does newestPosixWAL's walk with ListObjectsV2 under prefix.
func newestS3WAL(ctx context.Context, c repoConf, prefix string) (time.Time, error) {
	client, bucket, closeFn, err := s3Client(c)
	if err != nil {
		return time.Time{}, err
	}
	defer closeFn()
	pages := 0
	list := func(prefix string, delim bool, fn func(*s3.ListObjectsV2Output)) error {
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
		if delim {
			in.Delimiter = aws.String("/")
		}
		p := s3.NewListObjectsV2Paginator(client, in)
		for p.HasMorePages() {
			if pages++; pages > maxListPages {
				return fmt.Errorf("over %d list pages under %s", maxListPages, prefix)
			}
			out, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("list %s: %w", prefix, err)
			}
			fn(out)
		}
		return nil
	}
	subdirs := func(prefix string) ([]string, error) {
		var names []string
		err := list(prefix, true, func(out *s3.ListObjectsV2Output) {
			for _, cp := range out.CommonPrefixes {
				names = append(names, strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/"))
			}
		})
		return names, err
	}
	ids, err := subdirs(prefix)
	if err != nil {
		return time.Time{}, err
	}
	id, ok := newestArchiveID(ids)
	if !ok {
		return time.Time{}, fmt.Errorf("no archive under s3://%s/%s", bucket, prefix)
	}
	idPrefix := prefix + id + "/"
	dirs, err := subdirs(idPrefix)
	if err != nil {
		return time.Time{}, err
	}
	dirs = slices.DeleteFunc(dirs, func(d string) bool { return !walDirRE.MatchString(d) })
	slices.Sort(dirs)
	var newest time.Time
	for _, d := range dirs[max(len(dirs)-newestDirs, 0):] {
		err := list(idPrefix+d+"/", false, func(out *s3.ListObjectsV2Output) {
			for _, o := range out.Contents {
				if t := aws.ToTime(o.LastModified); t.After(newest) {
					newest = t
				}
			}
		})
		if err != nil {
			return time.Time{}, err
		}
	}
	if newest.IsZero() {
		return newest, fmt.Errorf("no WAL under s3://%s/%s", bucket, idPrefix)
	}
	return newest, nil
}

// s3Client builds a client for repository 1 from pgBackRest's options.
func s3Client(c repoConf) (*s3.Client, string, func(), error) {
	bucket := c.get("repo1-s3-bucket", "")
	endpoint := c.get("repo1-s3-endpoint", "")
	key, secretKey := c.get("repo1-s3-key", ""), c.get("repo1-s3-key-secret", "")
	switch {
	case bucket == "":
		return nil, "", nil, errors.New("repo1-s3-bucket: required")
	case endpoint == "":
		return nil, "", nil, errors.New("repo1-s3-endpoint: required")
	case key == "" || secretKey == "":
		return nil, "", nil, errors.New("repo1-s3-key and repo1-s3-key-secret: required (pgbackrest.conf, or PGBACKREST_REPO1_S3_KEY and PGBACKREST_REPO1_S3_KEY_SECRET through env or env_files)")
	}
	host := c.get("repo1-storage-host", c.get("repo1-s3-host", endpoint))
	port := c.get("repo1-storage-port", c.get("repo1-s3-port", "443"))
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if v := c.get("repo1-storage-verify-tls", c.get("repo1-s3-verify-tls", c.get("repo1-s3-verify-ssl", "y"))); v == "n" {
		tc.InsecureSkipVerify = true // as pgbackrest.conf says: for tests only
	}
	if ca := c.get("repo1-storage-ca-file", c.get("repo1-s3-ca-file", "")); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, "", nil, fmt.Errorf("repo1-storage-ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, "", nil, fmt.Errorf("repo1-storage-ca-file %s: no certificate", ca)
		}
		tc.RootCAs = pool
	}
	tr := &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true}
	token := c.get("repo1-s3-token", "")
	client := s3.New(s3.Options{
		Region:       c.get("repo1-s3-region", "us-east-1"),
		BaseEndpoint: aws.String("https://" + host + ":" + port),
		UsePathStyle: c.get("repo1-s3-uri-style", "host") == "path",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: key, SecretAccessKey: secretKey, SessionToken: token, Source: "pgbackrest.conf"}, nil
		}),
		HTTPClient:                 &http.Client{Transport: tr},
		Retryer:                    aws.NopRetryer{},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	return client, bucket, tr.CloseIdleConnections, nil
}
