package control

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/release"
)

// Blobs is where releases are uploaded before they are ingested: a client PUTs
// the bytes to a presigned URL (never through the API, whose bodies API Gateway
// and Lambda cap at 6 MB), then asks for the object to be ingested. In AWS it is
// an S3 bucket (internal/s3blob); in ferry local a directory of the data
// directory served by ferry local itself (internal/blobdir).
type Blobs interface {
	// PresignPut returns a URL that accepts one PUT of the object key until
	// expires.
	PresignPut(ctx context.Context, key string, expires time.Time) (string, error)
	// Get opens the object key. Codes: not_found when there is none.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object key; a missing object is no error.
	Delete(ctx context.Context, key string) error
}

// Upload limits: an upload URL is valid for UploadTTL, and the object it
// receives is ingested only up to release.MaxFileSize bytes (the largest release
// file the CLI reads) and MaxUploadNodes nodes.
const (
	UploadTTL      = 15 * time.Minute
	MaxUploadNodes = 100_000
)

// Upload is where a client PUTs a release.
type Upload struct {
	ID      string
	URL     string
	Expires time.Time
}

// uploadID is the form of an upload id: "up-" and 32 hex digits.
var uploadID = regexp.MustCompile(`^up-[0-9a-f]{32}$`)

// UploadKey is the object key an upload is stored under.
func UploadKey(id string) string { return "uploads/" + id }

// NewUpload makes a fresh upload id and a URL for one PUT of a release to it.
// Codes: invalid when the server has no upload storage.
func (s *Service) NewUpload(ctx context.Context) (*Upload, error) {
	if s.Blobs == nil {
		return nil, fault.Errorf(fault.Invalid, "this server takes no uploads: send the release in the request body")
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("making an upload id: %w", err)
	}
	u := &Upload{ID: "up-" + hex.EncodeToString(b[:]), Expires: s.Now().Add(UploadTTL).UTC().Truncate(time.Second)}
	url, err := s.Blobs.PresignPut(ctx, UploadKey(u.ID), u.Expires)
	if err != nil {
		return nil, fmt.Errorf("presigning upload %s: %w", u.ID, err)
	}
	u.URL = url
	return u, nil
}

// IngestUpload parses the release uploaded as id (native JSON), stores it like
// PutRelease and deletes the upload. It reports whether it stored the release.
// Codes: invalid (a bad id, a file that is not a valid release or beyond the
// limits), not_found (nothing was uploaded as id).
func (s *Service) IngestUpload(ctx context.Context, id string) (*release.Release, bool, error) {
	if s.Blobs == nil {
		return nil, false, fault.Errorf(fault.Invalid, "this server takes no uploads: send the release in the request body")
	}
	if !uploadID.MatchString(id) {
		return nil, false, fault.Errorf(fault.Invalid, "upload_id: %q is not an upload id", id)
	}
	obj, err := s.Blobs.Get(ctx, UploadKey(id))
	if err != nil {
		return nil, false, err
	}
	data, err := io.ReadAll(io.LimitReader(obj, release.MaxFileSize+1))
	_ = obj.Close()
	if err != nil {
		return nil, false, fmt.Errorf("reading upload %s: %w", id, err)
	}
	if len(data) > release.MaxFileSize {
		return nil, false, fault.Errorf(fault.Invalid, "upload %s is larger than %d bytes (%d MiB), the limit for a release",
			id, release.MaxFileSize, release.MaxFileSize>>20)
	}
	rel, err := release.ParseJSON("upload "+id, data)
	if err != nil {
		return nil, false, fault.Errorf(fault.Invalid, "%v", err)
	}
	if len(rel.Nodes) > MaxUploadNodes {
		return nil, false, fault.Errorf(fault.Invalid, "the release has %d nodes, more than the server's limit of %d nodes per release",
			len(rel.Nodes), MaxUploadNodes)
	}
	created, err := s.PutRelease(ctx, rel)
	if err != nil {
		return nil, false, err
	}
	// A delete that fails leaves the object to the storage's expiry rule.
	_ = s.Blobs.Delete(ctx, UploadKey(id))
	return rel, created, nil
}
