package boltfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

var bucket = []byte("b")

// fixture writes a bbolt file through Open with values in two transactions, key
// "first" in the earlier and "second" in the later, plus enough values in between
// to fill many pages. It returns the file, its page size and the bytes its pages
// in use span.
func fixture(t *testing.T) (path string, pageSize, inUse int64) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "x.db")
	db, err := Open(path, "test file", bucket)
	if err != nil {
		t.Fatal(err)
	}
	put := func(k string, v []byte) {
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(k), v) }); err != nil {
			t.Fatal(err)
		}
	}
	put("first", []byte("1"))
	for i := range 200 {
		put(string(rune('a'+i%26))+strings.Repeat("x", i), bytes.Repeat([]byte{byte(i)}, 1500))
	}
	put("second", []byte("2"))
	if err := db.View(func(tx *bolt.Tx) error { inUse = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	pageSize = int64(db.Info().PageSize)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path, pageSize, inUse
}

// damaged opens path and wants a *DamagedError naming it on one line whose
// reason holds want.
func damaged(t *testing.T, path, want string) {
	t.Helper()
	db, err := Open(path, "test file", bucket)
	if err == nil {
		db.Close()
		t.Fatal("a damaged file opened")
	}
	var d *DamagedError
	if !errors.As(err, &d) || d.Path != path || d.What != "test file" {
		t.Fatalf("%v (%T) is not a DamagedError naming the file", err, err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "the test file "+path+" is damaged (") || strings.Contains(msg, "\n") || !strings.Contains(d.Reason, want) {
		t.Errorf("error %q; want one line naming the file with a reason holding %q", msg, want)
	}
}

// edit changes the file at path.
func edit(t *testing.T, path string, fn func(*os.File)) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fn(f)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeAt(t *testing.T, f *os.File, off int64, b []byte) {
	t.Helper()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, path, key string) string {
	t.Helper()
	db, err := Open(path, "test file", bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v []byte
	if err := db.View(func(tx *bolt.Tx) error { v = tx.Bucket(bucket).Get([]byte(key)); return nil }); err != nil {
		t.Fatal(err)
	}
	return string(v)
}

func TestOpenCreatesAndReopens(t *testing.T) {
	path, _, _ := fixture(t)
	if v := get(t, path, "second"); v != "2" {
		t.Errorf("second = %q", v)
	}
}

// TestTruncated: a file cut anywhere below its pages in use, or not at a page
// boundary, is damaged, and said so before bbolt maps it (a cut below the pages
// in use would otherwise end the process with SIGBUS).
func TestTruncated(t *testing.T) {
	path, pageSize, inUse := fixture(t)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if inUse < 8*pageSize {
		t.Fatalf("the fixture uses only %d bytes", inUse)
	}
	original, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		size int64
		want string
	}{
		{"a few bytes", 40, "too short for its two header pages"},
		{"one page", pageSize, "cut short"},
		{"two pages", 2 * pageSize, "cut short"},
		{"half the pages in use", inUse / pageSize / 2 * pageSize, "cut short"},
		{"the last page in use", inUse - pageSize, "cut short"},
		{"one byte", info.Size() - 1, "not a whole number of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, original[:tc.size], 0o600); err != nil {
				t.Fatal(err)
			}
			damaged(t, path, tc.want)
		})
	}
}

// TestEmptyAndMissingAreCreated: bbolt creates a file where there is none or
// it is empty; refusing that in a used data directory is package datadir's job.
func TestEmptyAndMissingAreCreated(t *testing.T) {
	path, _, _ := fixture(t)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	if v := get(t, path, "second"); v != "" {
		t.Errorf("an emptied file still holds %q", v)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if v := get(t, path, "second"); v != "" {
		t.Errorf("a new file holds %q", v)
	}
}

// metaField is the offset of a field in the header page at page.
func metaField(page, pageSize, field int64) int64 { return page*pageSize + pageHeaderSize + field }

// TestHeaderPages: both header pages damaged is an error that says how each is
// damaged; one damaged is what bbolt recovers from, with the other header's
// transaction.
func TestHeaderPages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		field int64 // offset in the meta record
		want  string
	}{
		{"magic", 0, "not a bbolt file"},
		{"version", 4, "bbolt format version 42330, not 2"},
		{"transaction id", 48, "checksum mismatch"},
		{"checksum", 56, "checksum mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, pageSize, _ := fixture(t)
			edit(t, path, func(f *os.File) {
				for page := range int64(2) {
					writeAt(t, f, metaField(page, pageSize, tc.field), []byte{0x5a, 0xa5})
				}
			})
			damaged(t, path, "neither of its two header pages is valid: the first is "+tc.want+", the second "+tc.want)
		})
	}
	t.Run("the newer only", func(t *testing.T) {
		path, pageSize, _ := fixture(t)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		txid := func(page int64) uint64 {
			return binary.NativeEndian.Uint64(data[metaField(page, pageSize, 48):])
		}
		newer := int64(0)
		if txid(1) > txid(0) {
			newer = 1
		}
		edit(t, path, func(f *os.File) { writeAt(t, f, metaField(newer, pageSize, 56), []byte{0x5a}) })
		if first, second := get(t, path, "first"), get(t, path, "second"); first != "1" || second != "" {
			t.Errorf("after the newer header was damaged: first %q, second %q; want the transaction before the last", first, second)
		}
	})
}

// TestNotABoltFile: any other file is damaged, not a panic.
func TestNotABoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not bbolt\n"), 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	damaged(t, path, "neither of its two header pages is valid: the first is not a bbolt file")
}

// newest returns the newest valid header of the file at path.
func newest(t *testing.T, path string) (meta, int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, pageSize, reason := file{r: bytes.NewReader(data), size: int64(len(data))}.newestMeta()
	if reason != "" {
		t.Fatal(reason)
	}
	return m, pageSize
}

// TestRootAndFreelist: the pages bbolt reads at open are checked: damaged, they
// are errors instead of panics.
func TestRootAndFreelist(t *testing.T) {
	t.Run("root page", func(t *testing.T) {
		path, _, _ := fixture(t)
		m, pageSize := newest(t, path)
		edit(t, path, func(f *os.File) { writeAt(t, f, int64(m.root)*pageSize+8, []byte{0x10, 0}) })
		damaged(t, path, "its root page")
	})
	t.Run("free list page", func(t *testing.T) {
		path, _, _ := fixture(t)
		m, pageSize := newest(t, path)
		edit(t, path, func(f *os.File) { writeAt(t, f, int64(m.freelist)*pageSize, []byte{0xff}) })
		damaged(t, path, "is not a free-page list")
	})
	t.Run("free list count", func(t *testing.T) {
		path, _, _ := fixture(t)
		m, pageSize := newest(t, path)
		edit(t, path, func(f *os.File) { writeAt(t, f, int64(m.freelist)*pageSize+10, []byte{0xfe, 0xff}) })
		damaged(t, path, "runs past the last page in use")
	})
	t.Run("free page id", func(t *testing.T) {
		path, _, _ := fixture(t)
		m, pageSize := newest(t, path)
		edit(t, path, func(f *os.File) {
			count := make([]byte, 2)
			binary.NativeEndian.PutUint16(count, 1)
			writeAt(t, f, int64(m.freelist)*pageSize+10, count)
			id := make([]byte, 8)
			binary.NativeEndian.PutUint64(id, 1)
			writeAt(t, f, int64(m.freelist)*pageSize+pageHeaderSize, id)
		})
		damaged(t, path, "names page 1, out of range")
	})
}

// TestFaultWhileOpening: damage the checks do not see, a tree page pointing past
// the end of the file (but inside bbolt's memory map), makes bbolt fault with
// SIGBUS while it creates the buckets; Open turns that into the same error.
func TestFaultWhileOpening(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := bolt.Open(path, 0o600, nil) // four pages: headers, free list, an empty root leaf
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int64(db.Info().PageSize)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	m, _ := newest(t, path)
	// The root becomes a branch page whose one element (pos, ksize, pgid) points at
	// page 6: past the end of the 4-page file, inside the 32 KiB map.
	edit(t, path, func(f *os.File) {
		page := make([]byte, pageHeaderSize+16+1)
		e := binary.NativeEndian
		e.PutUint64(page[0:], m.root)
		e.PutUint16(page[8:], branchPage)
		e.PutUint16(page[10:], 1)
		e.PutUint32(page[pageHeaderSize:], 16)
		e.PutUint32(page[pageHeaderSize+4:], 1)
		e.PutUint64(page[pageHeaderSize+8:], 6)
		page[pageHeaderSize+16] = 'a'
		writeAt(t, f, int64(m.root)*pageSize, page)
	})
	damaged(t, path, "bbolt failed reading it")
	// The file was let go of: it opens again (and fails again the same way).
	damaged(t, path, "bbolt failed reading it")
}

// TestInUse: a file another holder has open is an error naming it, at once.
func TestInUse(t *testing.T) {
	path, _, _ := fixture(t)
	db, err := Open(path, "test file", bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(path, "test file", bucket); err == nil || err.Error() != "the test file "+path+" is in use by another process" {
		t.Errorf("second open: %v", err)
	}
}
