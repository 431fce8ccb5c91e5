package checks

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/secret"
)

// canarySize is the size of the canary object: big enough to detect a
// truncated read, small enough to cost nothing.
const canarySize = 1024

// s3Prober checks a bucket with HeadBucket and, with canary, a put, read
// back and delete of a small object. Each operation's latency is a sample
// of ward_check_s3_operation_duration_seconds{op}.
type s3Prober struct {
	cfg  config.Check
	spec *config.S3Check
}

var _ prober = (*s3Prober)(nil)

// s3Reasons are the failure reasons an S3 check reports.
var s3Reasons = []string{ReasonTimeout, ReasonNetwork, ReasonTLS, ReasonAuth, ReasonConfig, ReasonNoBucket, ReasonChecksum, ReasonError}

func newS3Prober(cfg config.Check) (prober, error) {
	spec, err := specOf[*config.S3Check](cfg)
	if err != nil {
		return nil, err
	}
	return &s3Prober{cfg: cfg, spec: spec}, nil
}

func (p *s3Prober) probe(ctx context.Context, r *report) error {
	key, err := secret.Read(p.spec.SecretAccessKeyEnv, p.spec.SecretAccessKeyFile)
	if err != nil {
		return fail(ReasonConfig, fmt.Errorf("secret access key: %w", err))
	}
	if key == "" {
		return fail(ReasonConfig, errors.New("secret access key is empty"))
	}
	r.secret(key)
	tc, err := tlsConfig(p.spec.TLSConfig, "")
	if err != nil {
		return err
	}
	// A transport per run: connections are reused across one run's
	// operations but every run dials afresh.
	tr := &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	opts := s3.Options{
		Region:       p.spec.Region,
		UsePathStyle: p.spec.PathStyle,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: p.spec.AccessKeyID, SecretAccessKey: string(key), Source: "ward"}, nil
		}),
		HTTPClient: &http.Client{Transport: tr},
		// One attempt: a retry would hide the failure the check is for.
		Retryer: aws.NopRetryer{},
		// Only the checksums S3 requires: S3-compatible stores differ in
		// which of the newer ones they support. The canary verifies its
		// own SHA-256.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if p.spec.Endpoint != "" {
		opts.BaseEndpoint = aws.String(p.spec.Endpoint)
	}
	client := s3.New(opts)
	bucket := aws.String(p.spec.Bucket)

	if err := timedOp(ctx, r, "head_bucket", func(ctx context.Context) error {
		_, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: bucket})
		return err
	}); err != nil {
		return err
	}
	r.detail("bucket %s reachable", p.spec.Bucket)
	if !p.spec.Canary {
		return nil
	}
	return p.canary(ctx, r, client)
}

// canary writes a random object, reads it back, compares SHA-256 and
// deletes it. The key is unique per run, so two wards sharing a bucket do
// not collide; a run that fails after the put still tries the delete.
func (p *s3Prober) canary(ctx context.Context, r *report, client *s3.Client) error {
	body := make([]byte, canarySize)
	_, _ = rand.Read(body)
	want := sha256.Sum256(body)
	key := aws.String(fmt.Sprintf("%s%s-%s", p.spec.CanaryPrefix, p.cfg.Name, hex.EncodeToString(want[:8])))
	bucket := aws.String(p.spec.Bucket)

	if err := timedOp(ctx, r, "put_object", func(ctx context.Context) error {
		_, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: bucket, Key: key, Body: bytes.NewReader(body),
			ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("application/octet-stream"),
		})
		return err
	}); err != nil {
		return err
	}
	var got []byte
	getErr := timedOp(ctx, r, "get_object", func(ctx context.Context) error {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: key})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		got, err = io.ReadAll(io.LimitReader(out.Body, canarySize+1))
		return err
	})
	delErr := timedOp(ctx, r, "delete_object", func(ctx context.Context) error {
		_, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: key})
		return err
	})
	if getErr != nil {
		return getErr
	}
	if sum := sha256.Sum256(got); sum != want {
		return fail(ReasonChecksum, fmt.Errorf("canary %s: read back %d bytes with SHA-256 %x, wrote %d bytes with %x",
			*key, len(got), sum[:8], len(body), want[:8]))
	}
	if delErr != nil {
		return delErr
	}
	r.detail("canary round trip ok")
	return nil
}

// timedOp runs one S3 operation, records its latency and classifies its
// error.
func timedOp(ctx context.Context, r *report, op string, f func(context.Context) error) error {
	start := time.Now()
	err := f(ctx)
	r.gauge("ward_check_s3_operation_duration_seconds", time.Since(start).Seconds(), "op", op)
	if err != nil {
		return s3Error(op, err)
	}
	return nil
}

// s3Error sorts an S3 failure into auth, missing bucket, network, timeout
// or TLS. HeadBucket answers without a body, so its status code is all
// there is to go on.
func s3Error(op string, err error) error {
	wrapped := fmt.Errorf("%s: %w", op, s3Message(err))
	if reason := classify(err); reason != ReasonError {
		return fail(reason, wrapped)
	}
	if ae, ok := errors.AsType[smithy.APIError](err); ok {
		switch ae.ErrorCode() {
		case "NoSuchBucket":
			return fail(ReasonNoBucket, wrapped)
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "Forbidden":
			return fail(ReasonAuth, wrapped)
		}
	}
	if re, ok := errors.AsType[*smithyhttp.ResponseError](err); ok {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound:
			if op == "head_bucket" {
				return fail(ReasonNoBucket, wrapped)
			}
		case http.StatusUnauthorized, http.StatusForbidden:
			return fail(ReasonAuth, wrapped)
		}
	}
	if strings.Contains(err.Error(), "tls: ") || strings.Contains(err.Error(), "x509: ") {
		return fail(ReasonTLS, wrapped)
	}
	return wrapped
}

// s3Message shortens the SDK's "operation error S3: HeadBucket, https
// response error StatusCode: 403, RequestID: ..., api error Forbidden:
// Forbidden" to its useful end, keeping the chain for errors.Is.
func s3Message(err error) error {
	if ae, ok := errors.AsType[smithy.APIError](err); ok {
		msg := ae.ErrorCode()
		if re, ok := errors.AsType[*smithyhttp.ResponseError](err); ok {
			msg = fmt.Sprintf("HTTP %d %s", re.HTTPStatusCode(), msg)
		}
		if m := ae.ErrorMessage(); m != "" && m != ae.ErrorCode() {
			msg += ": " + m
		}
		return &shortened{msg: msg, err: err}
	}
	if oe, ok := errors.AsType[*net.OpError](err); ok {
		return &shortened{msg: oe.Error(), err: err}
	}
	return err
}

// shortened is an error shown by a shorter message than its cause's.
type shortened struct {
	msg string
	err error
}

func (s *shortened) Error() string { return s.msg }
func (s *shortened) Unwrap() error { return s.err }
