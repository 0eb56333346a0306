// Package blobdir is ferry local's upload storage (control.Blobs): objects are
// files in a directory of the data directory, and a presigned URL is ferry
// local's own PUT /uploads/{id}?expires=UNIX&sig=HEX, so the client uploads to
// ferry local exactly as it uploads to S3: one PUT of the bytes to a URL, with no
// other credential.
//
// Decisions recorded here:
//   - The signature is HMAC-SHA256, under a key only the server holds, of the
//     method, the object key and the expiry: a URL whose path, expiry or
//     signature was changed, or whose expiry has passed, is refused with 403
//     (S3 answers both with 403 too), before any of the body is read.
//   - A body is written to a temporary file and renamed into place once whole,
//     so Get never sees half an upload; a PUT of an existing key replaces it,
//     as in S3. A body is at most MaxObject bytes (413 beyond).
//   - Objects are removed when ingested; like the bucket's expiry rule in AWS,
//     Sweep removes those older than a day.
package blobdir

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
)

// MaxObject is the largest object a PUT may store: the largest release file,
// and a little more, so that the ingest, not the PUT, names the release limit.
const MaxObject = 256<<20 + 1

// PutTimeout bounds how long one PUT's body may take to arrive.
const PutTimeout = 10 * time.Minute

// Prefix is the URL path objects are PUT under; an object key must start with
// "uploads/".
const Prefix = "/uploads/"

// Store keeps objects in Dir and signs URLs under BaseURL (ferry local's
// address; empty for URLs that are a path on the server the client called)
// with Key.
type Store struct {
	Dir     string
	BaseURL string
	Key     []byte
	Now     func() time.Time
}

// keyForm is the form of an object key: uploads/ and a name of safe bytes.
var keyForm = regexp.MustCompile(`^uploads/[A-Za-z0-9_-]{1,100}$`)

// path returns the file holding key. Codes: invalid for a key of another form.
func (s *Store) path(key string) (string, error) {
	if !keyForm.MatchString(key) {
		return "", fault.Errorf(fault.Invalid, "%q is not an upload key", key)
	}
	return filepath.Join(s.Dir, strings.TrimPrefix(key, "uploads/")), nil
}

func (s *Store) sign(method, key string, expires int64) string {
	m := hmac.New(sha256.New, s.Key)
	fmt.Fprintf(m, "%s\n%s\n%d", method, key, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// PresignPut returns BaseURL/uploads/{name}?expires=...&sig=... .
func (s *Store) PresignPut(_ context.Context, key string, expires time.Time) (string, error) {
	if _, err := s.path(key); err != nil {
		return "", err
	}
	q := url.Values{"expires": {strconv.FormatInt(expires.Unix(), 10)}, "sig": {s.sign(http.MethodPut, key, expires.Unix())}}
	return s.BaseURL + "/" + key + "?" + q.Encode(), nil
}

// Get opens the object key. Codes: not_found.
func (s *Store) Get(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fault.Errorf(fault.NotFound, "nothing was uploaded as %s", strings.TrimPrefix(key, "uploads/"))
	}
	if err != nil {
		return nil, fmt.Errorf("opening upload %s: %w", key, err)
	}
	return f, nil
}

// Delete removes the object key; a missing one is no error.
func (s *Store) Delete(_ context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting upload %s: %w", key, err)
	}
	return nil
}

// Sweep removes the objects, and the temporary files of PUTs that never
// finished, last written more than age ago.
func (s *Store) Sweep(age time.Duration) error {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		return fmt.Errorf("listing uploads: %w", err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && !e.IsDir() && s.Now().Sub(info.ModTime()) > age {
			_ = os.Remove(filepath.Join(s.Dir, e.Name()))
		}
	}
	return nil
}

// Handler serves PUT /uploads/{name} for presigned URLs.
func (s *Store) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			w.Header().Set("Allow", http.MethodPut)
			http.Error(w, "an upload URL takes one PUT", http.StatusMethodNotAllowed)
			return
		}
		key := strings.TrimPrefix(r.URL.Path, "/")
		if code, msg := s.check(key, r.URL.Query()); code != 0 {
			http.Error(w, msg, code)
			return
		}
		if err := s.put(w, r, key); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				http.Error(w, fmt.Sprintf("an upload is at most %d bytes", MaxObject), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "the upload did not arrive whole", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// check verifies a PUT's signature and expiry, returning the status and
// message of a refusal, or 0.
func (s *Store) check(key string, q url.Values) (int, string) {
	if _, err := s.path(key); err != nil {
		return http.StatusNotFound, "no such upload URL"
	}
	expires, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	sig, _ := hex.DecodeString(q.Get("sig"))
	want, _ := hex.DecodeString(s.sign(http.MethodPut, key, expires))
	if err != nil || !hmac.Equal(sig, want) {
		return http.StatusForbidden, "the upload URL's signature does not match: ask for a new one"
	}
	if !s.Now().Before(time.Unix(expires, 0)) {
		return http.StatusForbidden, "the upload URL has expired: ask for a new one"
	}
	return 0, ""
}

// put writes r's body to a temporary file and renames it to key's file.
func (s *Store) put(w http.ResponseWriter, r *http.Request, key string) error {
	p, _ := s.path(key)
	if r.ContentLength > MaxObject {
		return &http.MaxBytesError{Limit: MaxObject}
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(PutTimeout))
	f, err := os.CreateTemp(s.Dir, ".put-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, http.MaxBytesReader(w, r.Body, MaxObject))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}
