package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir is a data directory this process holds.
type Dir struct {
	// Path is the directory as it was given to Open.
	Path     string
	lock     *os.File
	manifest manifest
}

// Open creates the directory when there is none and locks it for this process.
// Another process holding it gives an *InUseError, at once.
func Open(path string) (*Dir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("creating the data directory: %w", err)
	}
	f, err := lock(path)
	if err != nil {
		return nil, err
	}
	m, err := readManifest(path)
	if err != nil {
		unlock(f)
		return nil, err
	}
	return &Dir{Path: path, lock: f, manifest: m}, nil
}

// Expect is called before opening the file name of the directory (what says what
// it is, such as "store file"): when the directory has used the file, it must be
// there and not empty, or Expect gives a *MissingError. A file the directory has
// not used yet may be created.
func (d *Dir) Expect(name, what string) error {
	if !d.manifest.lists(name) {
		return nil
	}
	path := filepath.Join(d.Path, name)
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &MissingError{What: what, Path: path}
	case err != nil:
		return fmt.Errorf("checking the %s %s: %w", what, path, err)
	case info.Size() == 0:
		return &MissingError{What: what, Path: path, Empty: true}
	}
	return nil
}

// Record is called once the files names of the directory are open: the manifest
// lists them from then on.
func (d *Dir) Record(names ...string) error {
	m, changed := d.manifest.with(names...)
	if !changed {
		return nil
	}
	if err := m.write(d.Path); err != nil {
		return err
	}
	d.manifest = m
	return nil
}

// Close lets go of the directory.
func (d *Dir) Close() error {
	if err := unlock(d.lock); err != nil {
		return fmt.Errorf("unlocking the data directory %s: %w", d.Path, err)
	}
	return nil
}
