package local

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ferrydev/ferry/internal/blobdir"
)

// UploadsDir is the directory, in the data directory, where uploaded releases
// wait to be ingested.
const UploadsDir = "uploads"

// uploadExpiry is how long an upload never ingested is kept.
const uploadExpiry = 24 * time.Hour

// openUploads makes the uploads directory (the owner's only) and the store
// serving it at baseURL, signing URLs with a key derived from the Step
// Functions credentials: secret, kept across restarts, and of another use
// than the credentials themselves.
func openUploads(dataDir, baseURL string, creds Credentials, now func() time.Time) (*blobdir.Store, error) {
	dir := filepath.Join(dataDir, UploadsDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making the uploads directory: %w", err)
	}
	m := hmac.New(sha256.New, []byte(creds.SecretAccessKey))
	m.Write([]byte("ferry upload URLs"))
	return &blobdir.Store{Dir: dir, BaseURL: baseURL, Key: m.Sum(nil), Now: now}, nil
}
