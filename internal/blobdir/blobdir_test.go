package blobdir_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/blobdir"
	"github.com/ferrydev/ferry/internal/fault"
)

func newStore(t *testing.T, now *time.Time) *blobdir.Store {
	return &blobdir.Store{Dir: t.TempDir(), BaseURL: "http://127.0.0.1:9", Key: []byte("key"), Now: func() time.Time { return *now }}
}

// TestPutGetDelete: a PUT to a presigned URL is what Get reads, whole; Delete
// removes it; keys of another form are refused.
func TestPutGetDelete(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := newStore(t, &now)
	ctx := context.Background()
	u, err := s.PresignPut(ctx, "uploads/up-1", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPut, u, strings.NewReader("release")))
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	obj, err := s.Get(ctx, "uploads/up-1")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(obj)
	obj.Close()
	if string(data) != "release" {
		t.Errorf("read %q", data)
	}
	if err := s.Delete(ctx, "uploads/up-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "uploads/up-1"); fault.ErrorCode(err) != fault.NotFound {
		t.Errorf("after Delete: %v", err)
	}
	for _, key := range []string{"uploads/../ferry.db", "ferry.db", "uploads/"} {
		if _, err := s.PresignPut(ctx, key, now.Add(time.Minute)); fault.ErrorCode(err) != fault.Invalid {
			t.Errorf("%s: %v", key, err)
		}
	}
}

// TestPutTooLarge: a body that declares more than MaxObject is refused before
// any of it is read.
func TestPutTooLarge(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := newStore(t, &now)
	u, _ := s.PresignPut(context.Background(), "uploads/up-2", now.Add(time.Minute))
	req := httptest.NewRequest(http.MethodPut, u, strings.NewReader("x"))
	req.ContentLength = blobdir.MaxObject + 1
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

// TestSweep removes what is older than the age, and keeps the rest.
func TestSweep(t *testing.T) {
	now := time.Now()
	s := newStore(t, &now)
	for _, name := range []string{"up-old", "up-new"} {
		if err := os.WriteFile(filepath.Join(s.Dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(filepath.Join(s.Dir, "up-old"), now.Add(-25*time.Hour), now.Add(-25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Sweep(24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "up-old")); !os.IsNotExist(err) {
		t.Errorf("the old upload is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "up-new")); err != nil {
		t.Errorf("the new upload was removed: %v", err)
	}
}
