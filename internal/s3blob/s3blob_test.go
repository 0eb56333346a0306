package s3blob_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/s3blob"
)

func client(endpoint string) *s3.Client {
	return s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAFERRYTEST", "secret", "")})
}

// TestPresignPut: the URL names the bucket and key, lasts until the upload's
// expiry and is signed (SigV4 in the query), made by the SDK's presigner
// without calling anything.
func TestPresignPut(t *testing.T) {
	now := time.Now()
	s := s3blob.New(client("http://127.0.0.1:1"), "ferry-uploads")
	s.Now = func() time.Time { return now }
	got, err := s.PresignPut(context.Background(), "uploads/up-1", now.Add(15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Host != "127.0.0.1:1" || u.Path != "/ferry-uploads/uploads/up-1" || q.Get("X-Amz-Expires") != "900" ||
		q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || len(q.Get("X-Amz-Signature")) != 64 ||
		!strings.HasPrefix(q.Get("X-Amz-Credential"), "AKIAFERRYTEST/") || !strings.Contains(q.Get("X-Amz-Credential"), "/eu-west-1/s3/") {
		t.Errorf("presigned URL %s", got)
	}
	if _, err := s.PresignPut(context.Background(), "uploads/up-1", now.Add(-time.Second)); err == nil {
		t.Error("an expiry in the past was presigned")
	}
}

// TestAgainstMotoS3: a PUT to the presigned URL stores the object in an S3
// that is not ours (moto's server), which Get reads and Delete removes. (Moto
// checks no signature unless its IAM emulation is on; that S3 refuses a
// changed presigned URL is AWS's part.)
func TestAgainstMotoS3(t *testing.T) {
	endpoint := startMoto(t)
	ctx := context.Background()
	c := client(endpoint)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ferry-uploads"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	s := s3blob.New(c, "ferry-uploads")
	u, err := s.PresignPut(ctx, "uploads/up-2", time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("release "), 1<<17)
	req, err := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT to the presigned URL: %s", resp.Status)
	}
	obj, err := s.Get(ctx, "uploads/up-2")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	obj.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	if err := s.Delete(ctx, "uploads/up-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "uploads/up-2"); fault.ErrorCode(err) != fault.NotFound {
		t.Errorf("after Delete: %v", err)
	}
}

// startMoto runs moto's S3 server on a free loopback port for the test.
func startMoto(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		t.Fatalf("moto's server (python3 -m moto.server) is needed: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	for range 200 {
		if resp, err := http.Get(endpoint + "/moto-api/"); err == nil {
			resp.Body.Close()
			return endpoint
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("moto's server did not start")
	return ""
}
