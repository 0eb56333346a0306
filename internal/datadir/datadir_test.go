package datadir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func open(t *testing.T, dir string) *Dir {
	t.Helper()
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func holderOf(t *testing.T, dir string) (Holder, string) {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(dir, LockFile))
	if err != nil {
		t.Fatal(err)
	}
	var h Holder
	if len(text) > 0 {
		if err := json.Unmarshal(text, &h); err != nil {
			t.Fatalf("lock file %q: %v", text, err)
		}
	}
	return h, string(text)
}

// TestLock: the lock file names this process while it holds the directory; a
// second open is refused at once naming it; after Close the directory opens again.
func TestLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	d := open(t, dir)
	h, text := holderOf(t, dir)
	if h.PID != os.Getpid() || h.Host != hostname() || time.Since(h.Started) > time.Hour || !strings.HasSuffix(text, "Z\"}\n") {
		t.Errorf("lock file %q", text)
	}
	_, err := Open(dir)
	var inUse *InUseError
	if !errors.As(err, &inUse) || inUse.Holder != h {
		t.Fatalf("second open: %v", err)
	}
	want := fmt.Sprintf("the data directory %s is in use by process %d (started %s)", dir, os.Getpid(), h.Started.Format(time.RFC3339))
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, text := holderOf(t, dir); text != "" {
		t.Errorf("after Close the lock file holds %q", text)
	}
	open(t, dir).Close()
}

// TestStaleLockFile: the text of a holder that is gone blocks nothing.
func TestStaleLockFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, LockFile), []byte(`{"pid":999999,"host":"gone","started":"2020-01-01T00:00:00Z"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := open(t, dir)
	defer d.Close()
	if h, _ := holderOf(t, dir); h.PID != os.Getpid() {
		t.Errorf("the lock file still names %+v", h)
	}
}

func TestInUseWording(t *testing.T) {
	started := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		holder Holder
		want   string
	}{
		{Holder{}, "the data directory .ferry is in use by another process"},
		{Holder{PID: 12345, Host: hostname(), Started: started}, "the data directory .ferry is in use by process 12345 (started 2026-12-02T08:00:00Z)"},
		{Holder{PID: 12345, Host: "elsewhere", Started: started}, "the data directory .ferry is in use by process 12345 on host elsewhere (started 2026-12-02T08:00:00Z)"},
	} {
		if got := (&InUseError{Dir: ".ferry", Holder: tc.holder}).Error(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.holder, got, tc.want)
		}
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestManifest: a file the directory has used must be there and not empty; a
// file it has not used may be created; the list survives reopening.
func TestManifest(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir)
	if err := d.Expect("a.db", "store file"); err != nil {
		t.Fatalf("a new directory: %v", err)
	}
	write(t, filepath.Join(dir, "a.db"), "data")
	if err := d.Record("a.db"); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil || string(text) != `{"format":1,"files":["a.db"]}`+"\n" {
		t.Fatalf("manifest %q, %v", text, err)
	}

	d = open(t, dir)
	defer d.Close()
	if err := d.Expect("a.db", "store file"); err != nil {
		t.Errorf("a file that is there: %v", err)
	}
	if err := d.Expect("b.db", "journal file"); err != nil {
		t.Errorf("a file not used yet: %v", err)
	}
	write(t, filepath.Join(dir, "a.db"), "")
	err = d.Expect("a.db", "store file")
	var missing *MissingError
	want := "the store file " + filepath.Join(dir, "a.db") + " is empty, but this data directory has used it (ferry-data.json lists it)"
	if !errors.As(err, &missing) || !missing.Empty || err.Error() != want {
		t.Errorf("emptied: %v, want %q", err, want)
	}
	if err := os.Remove(filepath.Join(dir, "a.db")); err != nil {
		t.Fatal(err)
	}
	err = d.Expect("a.db", "store file")
	if !errors.As(err, &missing) || missing.Empty || !strings.Contains(err.Error(), "a.db is missing, but") {
		t.Errorf("removed: %v", err)
	}
	write(t, filepath.Join(dir, "b.db"), "data")
	if err := d.Record("b.db", "a.db"); err != nil {
		t.Fatal(err)
	}
	if text, err := os.ReadFile(filepath.Join(dir, ManifestFile)); err != nil || string(text) != `{"format":1,"files":["a.db","b.db"]}`+"\n" {
		t.Errorf("manifest %q, %v", text, err)
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, ManifestFile+".*")); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// TestOldDirectory: a directory from before the manifest accepts its files as
// they are and lists them once recorded.
func TestOldDirectory(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.db"), "data")
	d := open(t, dir)
	defer d.Close()
	if err := d.Expect("a.db", "store file"); err != nil {
		t.Fatal(err)
	}
	if err := d.Record("a.db"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err != nil {
		t.Error(err)
	}
}

func TestBadManifest(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"{not json", ManifestFile + " is damaged ("},
		{`{"format":2,"files":[]}`, "has format 2; this ferry knows format 1"},
	} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, ManifestFile), tc.text)
		_, err := Open(dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("manifest %q: %v", tc.text, err)
		}
		// The refused open let go of the lock.
		if err := os.Remove(filepath.Join(dir, ManifestFile)); err != nil {
			t.Fatal(err)
		}
		open(t, dir).Close()
	}
}
