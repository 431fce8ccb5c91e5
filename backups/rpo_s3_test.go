package backups

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestNewestS3WAL: the repository side of an S3 repository, read from
// pgbackrest.conf the way pgBackRest reads it (key from the environment
// allowlist, secret from env_files, TLS verified against the repository's
// CA file), against versitygw over TLS with real SigV4: the newest object
// of the newest WAL directories of the newest archive id counts.
func TestNewestS3WAL(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := localhostCert(t, dir)
	addr := servicetest.FreeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	const access, secretKey = "wardrepokey", "ward-repo-secret-77a1"
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	ready := func() error {
		resp, err := insecure.Get("https://" + addr + "/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	servicetest.StartProcess(t, ready, []string{"ROOT_ACCESS_KEY=" + access, "ROOT_SECRET_KEY=" + secretKey},
		versitygw(t), "--port", addr, "--cert", certFile, "--key", keyFile, "posix", t.TempDir())

	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("https://localhost:" + port), UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: access, SecretAccessKey: secretKey}, nil
		}),
		HTTPClient:                 insecure,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pgbr")}); err != nil {
		t.Fatal(err)
	}
	put := func(key string) time.Time {
		t.Helper()
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pgbr"), Key: aws.String(key), Body: bytes.NewReader([]byte("wal"))}); err != nil {
			t.Fatal(err)
		}
		h, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("pgbr"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToTime(h.LastModified)
	}
	const prefix = "repo/archive/main/"
	put(prefix + "archive.info")
	put(prefix + "15-2/0000000100000001/000000010000000100000001-abc.gz")
	want := put(prefix + "15-2/0000000100000002/000000010000000200000001-abc.gz")
	time.Sleep(1100 * time.Millisecond)                                   // object times have whole seconds
	put(prefix + "15-1/0000000100000009/000000010000000900000001-abc.gz") // an older history id

	secretFile := filepath.Join(dir, "s3-secret")
	if err := os.WriteFile(secretFile, []byte(secretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "pgbackrest.conf")
	body := strings.Join([]string{"[global]", "repo1-type=s3", "repo1-path=/repo", "repo1-s3-bucket=pgbr",
		"repo1-s3-endpoint=localhost", "repo1-storage-port=" + port, "repo1-s3-region=us-east-1",
		"repo1-s3-uri-style=path", "repo1-storage-ca-file=" + certFile, "", "[main]", "pg1-path=/nonexistent", ""}, "\n")
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PGBACKREST_REPO1_S3_KEY", access)
	st := config.BackupStanza{Name: "main", Config: conf, Env: []string{"PGBACKREST_REPO1_S3_KEY"},
		EnvFiles: map[string]string{"PGBACKREST_REPO1_S3_KEY_SECRET": secretFile}}
	got, err := newestRepoWAL(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) {
		t.Errorf("newest %s, want %s", got, want)
	}

	// A wrong secret is refused by the server, and the error says so
	// without the secret.
	if err := os.WriteFile(secretFile, []byte("wrong-secret-0000"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = newestRepoWAL(ctx, st)
	if err == nil || strings.Contains(err.Error(), "wrong-secret-0000") || !strings.Contains(err.Error(), "repository (s3)") {
		t.Errorf("wrong secret: %v", err)
	}
	// Without the CA file the certificate is not trusted.
	st.EnvFiles = nil
	t.Setenv("PGBACKREST_REPO1_S3_KEY_SECRET", secretKey)
	st.Env = append(st.Env, "PGBACKREST_REPO1_S3_KEY_SECRET")
	if err := os.WriteFile(conf, []byte(strings.Replace(body, "repo1-storage-ca-file="+certFile, "", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := newestRepoWAL(ctx, st); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

// versitygw finds the S3 gateway or fails the test, saying how to
// install it.
func versitygw(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	home, _ := os.UserHomeDir()
	p := filepath.Join(home, "go", "bin", "versitygw")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("versitygw not found: run `make test-deps` (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)")
	}
	return p
}

// localhostCert writes a self-signed certificate for localhost.
func localhostCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
