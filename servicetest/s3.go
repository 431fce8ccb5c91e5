package servicetest

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// versitygwModule is what scripts/install-test-deps.sh installs.
const versitygwModule = "github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// S3 is a versitygw S3 gateway over a POSIX directory, started for a
// test. Unlike in-process fakes it verifies SigV4 signatures, so a wrong
// secret gets 403 as from AWS.
type S3 struct {
	// Endpoint is its http:// URL.
	Endpoint  string
	Region    string
	AccessKey string
	SecretKey string
	// CertPEM is the server's certificate when it serves TLS
	// (StartS3TLS), else nil.
	CertPEM []byte
	proc    *Process
}

// StartS3 starts versitygw on a free loopback port with a fresh root
// directory and returns once it answers HTTP.
func StartS3(tb testing.TB) *S3 {
	tb.Helper()
	bin := lookVersitygw(tb)
	addr := FreeAddr(tb)
	s := &S3{Endpoint: "http://" + addr, Region: "us-east-1", AccessKey: "wardtestkey", SecretKey: "ward-test-secret-5c1f9e"}
	env := []string{"ROOT_ACCESS_KEY=" + s.AccessKey, "ROOT_SECRET_KEY=" + s.SecretKey}
	ready := func() error {
		resp, err := http.Get(s.Endpoint + "/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	s.proc = StartProcess(tb, ready, env, bin, "--port", addr, "posix", tb.TempDir())
	return s
}

// Stop stops the gateway; later connections are refused.
func (s *S3) Stop() { s.proc.Stop() }

// CreateBucket creates a bucket with the root credentials.
func (s *S3) CreateBucket(tb testing.TB, name string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		tb.Fatalf("servicetest: create bucket %s: %v", name, err)
	}
}

// Client returns an S3 client with the root credentials.
func (s *S3) Client() *s3.Client {
	o := s3.Options{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey}, nil
		}),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if s.CertPEM != nil {
		o.HTTPClient = tlsClient(s.CertPEM)
	}
	return s3.New(o)
}

// lookVersitygw finds versitygw on PATH or where `go install` puts it,
// or fails the test saying how to install it.
func lookVersitygw(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if d := os.Getenv("GOPATH"); d != "" {
		dirs = append(dirs, filepath.Join(filepath.SplitList(d)[0], "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	tb.Fatalf("servicetest: versitygw not found on PATH or in %v: run `make test-deps` (go install %s)", dirs, versitygwModule)
	return ""
}
