package config

import (
	"net/url"
	"regexp"
	"strings"

	promcommon "github.com/prometheus/common/config"
)

// CheckS3 is the kind of an S3 check.
const CheckS3 = "s3"

// S3Check is an S3 check's own keys: it checks a bucket with HeadBucket
// and, with Canary, a round trip of a small object.
type S3Check struct {
	// Endpoint is empty for AWS, or the URL of an S3-compatible store.
	Endpoint            string `yaml:"endpoint"`
	Region              string `yaml:"region"`
	Bucket              string `yaml:"bucket"`
	AccessKeyID         string `yaml:"access_key_id"`
	SecretAccessKeyEnv  string `yaml:"secret_access_key_env"`
	SecretAccessKeyFile string `yaml:"secret_access_key_file"`
	PathStyle           bool   `yaml:"path_style"`
	// Canary adds a put, read-back (checksum verified) and delete of a small
	// object under CanaryPrefix to every run.
	Canary       bool                 `yaml:"canary"`
	CanaryPrefix string               `yaml:"canary_prefix"`
	TLSConfig    promcommon.TLSConfig `yaml:"tls_config"`
}

// DefaultS3Check returns the values of the keys an S3 check leaves out.
func DefaultS3Check() S3Check {
	return S3Check{Region: "us-east-1", CanaryPrefix: "ward-canary/"}
}

func (s *S3Check) setDirectory(dir string) {
	resolvePaths(dir, &s.SecretAccessKeyFile)
	s.TLSConfig.SetDirectory(dir)
}

var s3BucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

func (s *S3Check) validate(v *pathValidator, _ *Check) {
	if !s3BucketRE.MatchString(s.Bucket) {
		v.add("bucket", "want an S3 bucket name (3-63 lower-case letters, digits, '.', '-'), got %q", s.Bucket)
	}
	if s.Endpoint != "" {
		u, err := url.Parse(s.Endpoint)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			v.add("endpoint", "want an http:// or https:// URL")
		case u.User != nil:
			v.add("endpoint", "must not hold credentials; use access_key_id and secret_access_key_env or _file")
		}
	}
	if s.Region == "" {
		v.add("region", "required")
	}
	if s.AccessKeyID == "" {
		v.add("access_key_id", "required")
	}
	v.secretSource("secret_access_key", s.SecretAccessKeyEnv, s.SecretAccessKeyFile, true)
	if s.Canary && (s.CanaryPrefix == "" || strings.HasPrefix(s.CanaryPrefix, "/")) {
		v.add("canary_prefix", "want a key prefix such as ward-canary/")
	}
	validateTLS(v, s.TLSConfig, true)
}
