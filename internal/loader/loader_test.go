package loader

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(tb testing.TB, dir, name, content string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestLoadDetectsFormat(t *testing.T) {
	dir := t.TempDir()
	native := write(t, dir, "release.json", `{"name":"n","nodes":[{"name":"a","kind":"k"}]}`)
	yml := write(t, dir, "release.yml", "nodes: [{name: a, kind: k}, {name: b, kind: k}]")
	manifest := write(t, dir, "manifest.json", `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v12.json"},
		"nodes":{"model.p.a":{"unique_id":"model.p.a","resource_type":"model"},"model.p.b":{"unique_id":"model.p.b","resource_type":"model"},"model.p.c":{"unique_id":"model.p.c","resource_type":"model"}}}`)
	tree := filepath.Join(dir, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, tree, "x.sql", "select 1")

	tests := []struct {
		name   string
		path   string
		format Format
		nodes  int
	}{
		{"native JSON", native, Auto, 1},
		{"native YAML", yml, Auto, 2},
		{"dbt manifest", manifest, Auto, 3},
		{"directory", tree, Auto, 1},
		{"forced native", native, Native, 1},
		{"forced dbt", manifest, DBT, 3},
		{"forced dir", tree, Dir, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Load(tt.path, tt.format)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Nodes) != tt.nodes {
				t.Errorf("%d nodes, want %d", len(r.Nodes), tt.nodes)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	native := write(t, dir, "release.json", `{"nodes":[]}`)
	huge := filepath.Join(dir, "huge.json")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	tests := []struct {
		name   string
		path   string
		format Format
		want   string
	}{
		{"missing file", filepath.Join(dir, "nope.json"), Auto, "no such file"},
		{"native read as dbt", native, DBT, "nodes: found JSON array where a dbt manifest has an object"},
		{"file read as dir", native, Dir, "not a directory"},
		{"dir read as native", dir, Native, "is a directory"},
		{"huge file refused before reading", huge, Auto, "more than the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path, tt.format)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to mention %q", err, tt.want)
			}
		})
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "auto, native, dbt or dir") {
		t.Errorf("ParseFormat(xml) error %v", err)
	}
}
