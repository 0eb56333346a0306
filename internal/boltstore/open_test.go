package boltstore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/boltfile"
	"github.com/ferrydev/ferry/internal/environment"
)

// TestDamagedFile: a store file cut short or with both header pages damaged is a
// *boltfile.DamagedError naming the store file, not a panic; an emptied one is a
// new store (the data directory is what refuses that).
func TestDamagedFile(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateEnvironment(t.Context(), &environment.Environment{Name: "prod", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	original, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := os.Getpagesize()
	headers := append([]byte(nil), original...)
	for _, off := range []int{16, page + 16} {
		copy(headers[off:], "XXXX")
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"one page", original[:page], "cut short"},
		{"one byte short", original[:len(original)-1], "not a whole number of"},
		{"header pages", headers, "neither of its two header pages is valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, tc.file, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(dir)
			var d *boltfile.DamagedError
			if !errors.As(err, &d) || !strings.HasPrefix(err.Error(), "the store file "+path+" is damaged (") || !strings.Contains(d.Reason, tc.want) {
				t.Errorf("Open: %v; want the store file damaged, %q", err, tc.want)
			}
		})
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetEnvironment(t.Context(), "prod"); err == nil {
		t.Error("an emptied store file still has the environment")
	}
}
