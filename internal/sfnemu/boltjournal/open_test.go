package boltjournal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/boltfile"
)

// TestDamagedFile: a journal file cut short is a *boltfile.DamagedError naming
// the journal file, not a panic.
func TestDamagedFile(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, File)
	if err := os.Truncate(path, int64(os.Getpagesize())); err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir)
	var d *boltfile.DamagedError
	if !errors.As(err, &d) || !strings.HasPrefix(err.Error(), "the journal file "+path+" is damaged (it is ") {
		t.Errorf("Open: %v", err)
	}
}
