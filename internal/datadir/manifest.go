package datadir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// ManifestFile is the manifest's file in the data directory.
const ManifestFile = "ferry-data.json"

// Format is the manifest's format version this package reads and writes.
const Format = 1

// manifest is what the directory records about itself.
type manifest struct {
	Format int `json:"format"`
	// Files are the files the directory has used, sorted.
	Files []string `json:"files"`
}

// readManifest reads the manifest of dir; none is an empty one.
func readManifest(dir string) (manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	text, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return manifest{Format: Format}, nil
	}
	if err != nil {
		return manifest{}, fmt.Errorf("reading the data directory's manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(text, &m); err != nil {
		return manifest{}, fmt.Errorf("the data directory's manifest %s is damaged (%v): restore it, or delete it to accept the files the directory holds as they are", path, err)
	}
	if m.Format != Format {
		return manifest{}, fmt.Errorf("the data directory's manifest %s has format %d; this ferry knows format %d: use the ferry that wrote it, or another data directory", path, m.Format, Format)
	}
	return m, nil
}

// lists reports whether the manifest lists name.
func (m manifest) lists(name string) bool {
	_, found := slices.BinarySearch(m.Files, name)
	return found
}

// with returns the manifest listing names too, and whether that changed it.
func (m manifest) with(names ...string) (manifest, bool) {
	files := slices.Clone(m.Files)
	for _, n := range names {
		if i, found := slices.BinarySearch(files, n); !found {
			files = slices.Insert(files, i, n)
		}
	}
	return manifest{Format: Format, Files: files}, len(files) != len(m.Files)
}

// write replaces the manifest of dir with m: a new file, synced, renamed over
// the old one, and the directory synced.
func (m manifest) write(dir string) error {
	path := filepath.Join(dir, ManifestFile)
	text, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ManifestFile+".*")
	if err != nil {
		return fmt.Errorf("writing the data directory's manifest: %w", err)
	}
	_, err = tmp.Write(append(text, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing the data directory's manifest %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
