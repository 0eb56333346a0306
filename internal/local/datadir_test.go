package local

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/boltstore"
	"github.com/ferrydev/ferry/internal/datadir"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fakeclock"
	"github.com/ferrydev/ferry/internal/sfnemu/boltjournal"
)

// startErr starts a system on dir and wants it refused; it returns the error.
func startErr(t *testing.T, cfg Config) string {
	t.Helper()
	cfg.Addr, cfg.Tick = "127.0.0.1:0", time.Hour
	s, err := Start(ctx, cfg)
	if err == nil {
		s.Close()
		t.Fatal("started")
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error on more than one line: %q", err)
	}
	return err.Error()
}

// used returns a data directory a system has run on, with an environment in its
// store.
func used(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	c := fakeclock.New(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC))
	s := boot(t, dir, c, "")
	if err := s.Store.CreateEnvironment(ctx, &environment.Environment{Name: "prod", CreatedAt: c.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDataDirInUse: a second system on the same directory is refused at once,
// naming the process that holds it; once that one stops, the directory opens.
func TestDataDirInUse(t *testing.T) {
	dir := t.TempDir()
	c := fakeclock.New(time.Now())
	s := boot(t, dir, c, "")
	got := startErr(t, Config{DataDir: dir})
	want := regexp.MustCompile(fmt.Sprintf(`^the data directory %s is in use by process %d \(started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\): stop it or choose another --data$`,
		regexp.QuoteMeta(dir), os.Getpid()))
	if !want.MatchString(got) {
		t.Errorf("error %q", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	boot(t, dir, c, "").Close()
}

// TestUsedFilesMustStay: in a directory that has been used, an emptied or
// missing store or journal file is refused, and left as it is, not recreated.
func TestUsedFilesMustStay(t *testing.T) {
	for _, tc := range []struct {
		file, what string
		remove     bool
	}{
		{boltstore.FileName, "store file", false},
		{boltstore.FileName, "store file", true},
		{boltjournal.File, "journal file", false},
		{boltjournal.File, "journal file", true},
	} {
		state := map[bool]string{false: "empty", true: "missing"}[tc.remove]
		t.Run(tc.file+" "+state, func(t *testing.T) {
			dir := used(t)
			path := filepath.Join(dir, tc.file)
			var err error
			if tc.remove {
				err = os.Remove(path)
			} else {
				err = os.Truncate(path, 0)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := startErr(t, Config{DataDir: dir})
			want := fmt.Sprintf("the %s %s is %s, but this data directory has used it (ferry-data.json lists it): restore it from a backup, or start with a new data directory (--data DIR)",
				tc.what, path, state)
			if got != want {
				t.Errorf("error %q\nwant %q", got, want)
			}
			info, err := os.Stat(path)
			if tc.remove != os.IsNotExist(err) || (!tc.remove && info.Size() != 0) {
				t.Errorf("the file was recreated: %v, %v", info, err)
			}
			// The refused start let go of the directory.
			d, err := datadir.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			d.Close()
		})
	}
}

// TestDamagedFiles: a damaged store or journal file is one line naming it and
// saying what to do.
func TestDamagedFiles(t *testing.T) {
	for _, tc := range []struct{ file, what string }{{boltstore.FileName, "store file"}, {boltjournal.File, "journal file"}} {
		t.Run(tc.file, func(t *testing.T) {
			dir := used(t)
			path := filepath.Join(dir, tc.file)
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, info.Size()/2-1); err != nil {
				t.Fatal(err)
			}
			got := startErr(t, Config{DataDir: dir})
			prefix := fmt.Sprintf("the %s %s is damaged (", tc.what, path)
			suffix := "): restore it from a backup, or start with a new data directory (--data DIR)"
			if !strings.HasPrefix(got, prefix) || !strings.HasSuffix(got, suffix) {
				t.Errorf("error %q", got)
			}
		})
	}
}

// TestNewDirectoryRecordsItsFiles: a first start creates the files and lists
// them; the store keeps what was written across a restart.
func TestNewDirectoryRecordsItsFiles(t *testing.T) {
	dir := used(t)
	text, err := os.ReadFile(filepath.Join(dir, datadir.ManifestFile))
	if err != nil || string(text) != `{"format":1,"files":["ferry.db","stepfn.db"]}`+"\n" {
		t.Fatalf("manifest %q, %v", text, err)
	}
	s := boot(t, dir, fakeclock.New(time.Now()), "")
	defer s.Close()
	if _, err := s.Store.GetEnvironment(ctx, "prod"); err != nil {
		t.Error(err)
	}
}

// TestSwitchingStores: with DynamoDB the store file is neither used nor listed,
// so a directory first used that way starts an embedded store later; a store
// file once listed stays listed, and is checked only when the embedded store is
// used again.
func TestSwitchingStores(t *testing.T) {
	if len(stores(t)) < 2 {
		t.Skip("FERRY_DYNAMODB_ENDPOINT is not set")
	}
	dir := t.TempDir()
	c := fakeclock.New(time.Now())
	table := fmt.Sprintf("ferry-switch-%d", time.Now().UnixNano())
	manifest := func(want string) {
		t.Helper()
		text, err := os.ReadFile(filepath.Join(dir, datadir.ManifestFile))
		if err != nil || string(text) != want+"\n" {
			t.Errorf("manifest %q, %v; want %s", text, err, want)
		}
	}
	boot(t, dir, c, table).Close()
	manifest(`{"format":1,"files":["stepfn.db"]}`)
	if _, err := os.Stat(filepath.Join(dir, boltstore.FileName)); !os.IsNotExist(err) {
		t.Errorf("DynamoDB made a store file: %v", err)
	}
	boot(t, dir, c, "").Close()
	manifest(`{"format":1,"files":["ferry.db","stepfn.db"]}`)
	if err := os.Remove(filepath.Join(dir, boltstore.FileName)); err != nil {
		t.Fatal(err)
	}
	boot(t, dir, c, table).Close()
	manifest(`{"format":1,"files":["ferry.db","stepfn.db"]}`)
	if got := startErr(t, Config{DataDir: dir}); !strings.HasPrefix(got, "the store file "+filepath.Join(dir, boltstore.FileName)+" is missing") {
		t.Errorf("back on the embedded store: %q", got)
	}
}
