// Package s3blob is the upload storage in AWS (control.Blobs): an S3 bucket,
// with presigned PUT URLs made by the SDK's presign client, so that a release
// travels from the client to S3 directly and never through API Gateway and
// Lambda, which cap a request at 6 MB.
//
// Decisions recorded here:
//   - A presigned URL is SigV4 query-signed by the function's role, for the one
//     key, valid until the upload's expiry (at most seven days, S3's limit; Ferry
//     asks for control.UploadTTL). The bucket (template.yaml) encrypts objects,
//     blocks public access, refuses plain HTTP and expires uploads after a day,
//     so one never ingested does not stay.
//   - The presigned PUT signs no checksum or content type, so any HTTP client
//     can PUT the bytes as they are.
package s3blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ferrydev/ferry/internal/fault"
)

// Store keeps uploads in Bucket.
type Store struct {
	Client  *s3.Client
	Presign *s3.PresignClient
	Bucket  string
	// Now is the clock presigned URLs' lifetimes are measured on.
	Now func() time.Time
}

// New returns a store on bucket with client.
func New(client *s3.Client, bucket string) *Store {
	return &Store{Client: client, Presign: s3.NewPresignClient(client), Bucket: bucket, Now: time.Now}
}

// PresignPut returns a URL for one PUT of key until expires.
func (s *Store) PresignPut(ctx context.Context, key string, expires time.Time) (string, error) {
	ttl := expires.Sub(s.Now()).Round(time.Second)
	if ttl <= 0 {
		return "", fmt.Errorf("presigning %s: the expiry %v has passed", key, expires)
	}
	req, err := s.Presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)},
		s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presigning a PUT of s3://%s/%s: %w", s.Bucket, key, err)
	}
	return req.URL, nil
}

// Get opens the object key. Codes: not_found.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, fault.Errorf(fault.NotFound, "nothing was uploaded as %s", key)
	}
	if err != nil {
		return nil, fmt.Errorf("reading s3://%s/%s: %w", s.Bucket, key, err)
	}
	return out.Body, nil
}

// Delete removes the object key; S3 answers a missing one with success.
func (s *Store) Delete(ctx context.Context, key string) error {
	if _, err := s.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)}); err != nil {
		return fmt.Errorf("deleting s3://%s/%s: %w", s.Bucket, key, err)
	}
	return nil
}
