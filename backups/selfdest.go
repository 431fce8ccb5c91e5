package backups

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	promcommon "github.com/prometheus/common/config"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/secret"
)

// Snapshot files are named ward-self-<UTC time>-<random>.wardbak: they
// sort by time, and only such names are listed, restored or expired.
var selfNameRE = regexp.MustCompile(`^ward-self-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}\.wardbak$`)

// maxSelfList bounds the snapshots a destination lists (and so keeps).
const maxSelfList = 10_000

// selfName is a new snapshot's name.
func selfName(now time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return "ward-self-" + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(r[:]) + selfExt
}

// SelfDest is where snapshots are written and read: a directory or an
// S3 bucket and prefix.
type SelfDest interface {
	// Write stores a new snapshot called name: produce writes it to w.
	// A failed write leaves nothing under name.
	Write(ctx context.Context, name string, produce func(w io.Writer) error) (size int64, err error)
	// List returns the snapshot names, oldest first.
	List(ctx context.Context) ([]string, error)
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	Delete(ctx context.Context, name string) error
	String() string
}

// ParseSelfDest reads a destination: an absolute directory, or
// s3://bucket/prefix with the endpoint, region, credentials and TLS
// settings of an S3 check of checks: the one named s3Check, or else the
// only one of that bucket. scratch holds an S3 snapshot until it is
// uploaded.
func ParseSelfDest(dest, s3Check string, checks []config.Check, scratch string) (SelfDest, error) {
	rest, ok := strings.CutPrefix(dest, "s3://")
	if !ok {
		if !filepath.IsAbs(dest) {
			return nil, fmt.Errorf("destination: want an absolute directory or s3://bucket/prefix, got %q", dest)
		}
		return dirDest(filepath.Clean(dest)), nil
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return nil, fmt.Errorf("destination: %q names no bucket", dest)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	spec, err := selfS3Check(bucket, s3Check, checks)
	if err != nil {
		return nil, err
	}
	client, err := selfS3Client(spec)
	if err != nil {
		return nil, err
	}
	return &s3Dest{client: client, bucket: bucket, prefix: prefix, scratch: scratch}, nil
}

// selfS3Check finds the S3 check whose settings reach bucket.
func selfS3Check(bucket, name string, checks []config.Check) (*config.S3Check, error) {
	var found []*config.S3Check
	var names []string
	for _, c := range checks {
		spec, ok := c.Spec.(*config.S3Check)
		if !ok || c.Kind != config.CheckS3 {
			continue
		}
		if name != "" && c.Name == name {
			return spec, nil
		}
		if name == "" && spec.Bucket == bucket {
			found, names = append(found, spec), append(names, c.Name)
		}
	}
	switch {
	case name != "":
		return nil, fmt.Errorf("s3_check: no S3 check named %q in checks", name)
	case len(found) == 0:
		return nil, fmt.Errorf("destination: no S3 check of bucket %q in checks: its endpoint, region and credentials are used; add one (kind s3) or name one with s3_check", bucket)
	case len(found) > 1:
		return nil, fmt.Errorf("destination: S3 checks %s all reach bucket %q: name one with s3_check", strings.Join(names, ", "), bucket)
	}
	return found[0], nil
}

// selfS3Client builds a client with an S3 check's settings, as the check
// does, with the SDK's retries (an upload should survive a blip).
func selfS3Client(spec *config.S3Check) (*s3.Client, error) {
	key, err := secret.Read(spec.SecretAccessKeyEnv, spec.SecretAccessKeyFile)
	if err != nil {
		return nil, fmt.Errorf("secret access key: %w", err)
	}
	if key == "" {
		return nil, errors.New("secret access key is empty")
	}
	tc, err := promcommon.NewTLSConfig(&spec.TLSConfig)
	if err != nil {
		return nil, fmt.Errorf("tls_config: %w", err)
	}
	opts := s3.Options{
		Region: spec.Region, UsePathStyle: spec.PathStyle,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: spec.AccessKeyID, SecretAccessKey: string(key), Source: "ward"}, nil
		}),
		HTTPClient:                 &http.Client{Transport: &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true}},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if spec.Endpoint != "" {
		opts.BaseEndpoint = aws.String(spec.Endpoint)
	}
	return s3.New(opts), nil
}

// dirDest is a directory of snapshot files.
type dirDest string

func (d dirDest) String() string { return string(d) }

func (d dirDest) Write(ctx context.Context, name string, produce func(io.Writer) error) (int64, error) {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return 0, err
	}
	return writeTemp(string(d), func(f *os.File) error {
		if err := produce(f); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		return os.Rename(f.Name(), filepath.Join(string(d), name))
	})
}

// writeTemp makes a temporary file in dir, hands it to use and removes
// it unless use renamed it away; it returns the file's size.
func writeTemp(dir string, use func(f *os.File) error) (int64, error) {
	f, err := os.CreateTemp(dir, ".ward-self-*.tmp")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := use(f); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (d dirDest) List(context.Context) ([]string, error) {
	ents, err := os.ReadDir(string(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && selfNameRE.MatchString(e.Name()) && len(names) < maxSelfList {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

func (d dirDest) Open(_ context.Context, name string) (io.ReadCloser, error) {
	return os.Open(filepath.Join(string(d), name))
}

func (d dirDest) Delete(_ context.Context, name string) error {
	return os.Remove(filepath.Join(string(d), name))
}

// s3Dest is a bucket and key prefix.
type s3Dest struct {
	client  *s3.Client
	bucket  string
	prefix  string
	scratch string
}

func (s *s3Dest) String() string { return "s3://" + s.bucket + "/" + s.prefix }

// Write writes the snapshot to a scratch file first: the upload needs
// its length, and memory stays bounded whatever the size.
func (s *s3Dest) Write(ctx context.Context, name string, produce func(io.Writer) error) (int64, error) {
	return writeTemp(s.scratch, func(f *os.File) error {
		if err := produce(f); err != nil {
			return err
		}
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		_, err = s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + name),
			Body: f, ContentLength: aws.Int64(fi.Size()), ContentType: aws.String("application/octet-stream")})
		if err != nil {
			return fmt.Errorf("upload to %s: %w", s, err)
		}
		return nil
	})
}

func (s *s3Dest) List(ctx context.Context) ([]string, error) {
	var names []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix)})
	for p.HasMorePages() && len(names) < maxSelfList {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", s, err)
		}
		for _, o := range page.Contents {
			name := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			if selfNameRE.MatchString(name) && len(names) < maxSelfList {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

func (s *s3Dest) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + name)})
	if err != nil {
		return nil, fmt.Errorf("get %s%s: %w", s, name, err)
	}
	return out.Body, nil
}

func (s *s3Dest) Delete(ctx context.Context, name string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + name)})
	return err
}

// selfExt ends a snapshot's name; a copy renamed by hand keeps it.
const selfExt = ".wardbak"

// SplitSelfSnapshot reads a --from: a snapshot file or object (a name
// ending in .wardbak, or an existing regular file, however named), or a
// directory or prefix whose newest snapshot is meant (name "").
func SplitSelfSnapshot(from string) (dest, name string) {
	base := path.Base(from)
	if selfNameRE.MatchString(base) || strings.HasSuffix(base, selfExt) {
		return strings.TrimSuffix(from, base), base
	}
	if !strings.HasPrefix(from, "s3://") {
		if fi, err := os.Stat(from); err == nil && fi.Mode().IsRegular() {
			return filepath.Dir(from), filepath.Base(from)
		}
	}
	return from, ""
}
