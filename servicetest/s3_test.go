package servicetest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestS3ChecksSignatures(t *testing.T) {
	s := StartS3(t)
	s.CreateBucket(t, "ward-test")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Client().HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("ward-test")}); err != nil {
		t.Fatalf("head bucket with the right secret: %v", err)
	}
	wrong := *s
	wrong.SecretKey = "not-the-secret"
	if _, err := wrong.Client().HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("ward-test")}); err == nil {
		t.Fatal("head bucket with a wrong secret succeeded: the server does not check signatures")
	}
}
