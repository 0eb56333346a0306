// Package loader opens whatever a user points Ferry at as a release: a native
// release file (JSON or YAML), a dbt manifest.json, or a directory of files.
package loader

import (
	"fmt"
	"os"
	"sync"

	"github.com/ferrydev/ferry/internal/dbt"
	"github.com/ferrydev/ferry/internal/filetree"
	"github.com/ferrydev/ferry/internal/release"
)

// Format is the kind of input a release is read from.
type Format string

// Input formats.
const (
	// Auto detects the format: a directory is a file tree, a JSON file whose
	// metadata names a dbt manifest schema is a manifest, anything else is native.
	Auto Format = "auto"
	// Native is Ferry's release format, JSON or YAML.
	Native Format = "native"
	// DBT is a dbt manifest.json.
	DBT Format = "dbt"
	// Dir is a directory of files, one node each.
	Dir Format = "dir"
)

// Formats lists the accepted formats, for usage messages.
var Formats = []Format{Auto, Native, DBT, Dir}

// ParseFormat returns the Format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown input format %q: use auto, native, dbt or dir", s)
}

// LoadAll reads the releases at paths in format f, concurrently (a machine with two
// cores reads a base and a candidate in about the time of one), and returns them in
// the order of paths. On error it returns the first path's error.
func LoadAll(f Format, paths ...string) ([]*release.Release, error) {
	releases := make([]*release.Release, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Go(func() { releases[i], errs[i] = Load(p, f) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return releases, nil
}

// Load reads the release at path in format f.
func Load(path string, f Format) (*release.Release, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if f == Auto && info.IsDir() {
		f = Dir
	}
	if f == Dir {
		if !info.IsDir() {
			return nil, fmt.Errorf("%s: not a directory", path)
		}
		return filetree.Import(path)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a %s release file", path, f)
	}
	if info.Size() > release.MaxFileSize {
		return nil, fmt.Errorf("%s: file is %d bytes, more than the limit of %d", path, info.Size(), release.MaxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if f == DBT || (f == Auto && dbt.IsManifest(data)) {
		return dbt.Import(path, data)
	}
	return release.Parse(path, data)
}
