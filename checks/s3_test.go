package checks

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ward-monitoring/ward/servicetest"
)

func TestS3(t *testing.T) {
	gw := servicetest.StartS3(t)
	gw.CreateBucket(t, "media")
	stopped := servicetest.StartS3(t)
	stopped.Stop()
	secretFile := writeSecret(t, gw.SecretKey)
	wrongFile := writeSecret(t, "not-the-secret-key")
	corrupt := corruptingProxy(t, gw.Endpoint)

	check := func(endpoint, bucket, secretFile string, canary bool) string {
		doc := "  - name: media\n    kind: s3\n    endpoint: " + endpoint + "\n    bucket: " + bucket +
			"\n    path_style: true\n    access_key_id: " + gw.AccessKey + "\n    secret_access_key_file: " + secretFile + "\n"
		if canary {
			doc += "    canary: true\n    canary_prefix: health/\n"
		}
		return doc
	}
	tests := []struct {
		name   string
		yaml   string
		status Status
		reason string
		ops    []string
	}{
		{name: "ok", yaml: check(gw.Endpoint, "media", secretFile, false),
			status: StatusUp, ops: []string{"head_bucket"}},
		{name: "wrong secret", yaml: check(gw.Endpoint, "media", wrongFile, false),
			status: StatusDown, reason: ReasonAuth, ops: []string{"head_bucket"}},
		{name: "missing bucket", yaml: check(gw.Endpoint, "no-such-bucket", secretFile, false),
			status: StatusDown, reason: ReasonNoBucket, ops: []string{"head_bucket"}},
		{name: "server stopped", yaml: check(stopped.Endpoint, "media", secretFile, false),
			status: StatusDown, reason: ReasonNetwork},
		{name: "canary round trip", yaml: check(gw.Endpoint, "media", secretFile, true),
			status: StatusUp, ops: []string{"head_bucket", "put_object", "get_object", "delete_object"}},
		{name: "canary read back corrupted", yaml: check(corrupt, "media", secretFile, true),
			status: StatusDown, reason: ReasonChecksum, ops: []string{"put_object", "get_object", "delete_object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := probeOnce(t, loadCheck(t, tt.yaml))
			t.Logf("%s %s: error %q, details %q", o.result.Status, o.result.Reason, o.result.Error, o.result.Details)
			wantResult(t, o, tt.status, tt.reason)
			for _, op := range tt.ops {
				if d, ok := gaugeValue(o, "ward_check_s3_operation_duration_seconds", "op", op); !ok || d <= 0 {
					t.Errorf("op %s: latency %v (reported %v)", op, d, ok)
				}
			}
			if strings.Contains(o.result.Error+o.result.Details, gw.SecretKey) {
				t.Errorf("result shows the secret: %+v", o.result)
			}
		})
	}

	// The canary cleans up after itself, also when the read-back failed.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := gw.Client().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("media"), Prefix: aws.String("health/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 0 {
		t.Errorf("canary objects left behind: %d", len(out.Contents))
	}
}

// corruptingProxy forwards to a real S3 server but flips a byte in every
// object it returns, to prove the canary verifies what it reads. The
// proxy keeps the Host header, so SigV4 signatures still verify.
func corruptingProxy(tb testing.TB, endpoint string) string {
	tb.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		tb.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method != http.MethodGet || resp.StatusCode != http.StatusOK || strings.Contains(resp.Request.URL.RawQuery, "list-type") {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if len(body) > 0 {
			body[0] ^= 0xff
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return nil
	}
	srv := httptest.NewServer(proxy)
	tb.Cleanup(srv.Close)
	return srv.URL
}
