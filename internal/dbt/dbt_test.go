package dbt

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/golden"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
)

func importFile(tb testing.TB, path string) *release.Release {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			tb.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			tb.Fatal(err)
		}
	}
	r, err := Import(path, data)
	if err != nil {
		tb.Fatalf("Import(%s): %v", path, err)
	}
	return r
}

func node(tb testing.TB, r *release.Release, name string) release.Node {
	tb.Helper()
	for _, n := range r.Nodes {
		if n.Name == name {
			return n
		}
	}
	tb.Fatalf("no node %q", name)
	return release.Node{}
}

func TestImport(t *testing.T) {
	r := importFile(t, "testdata/shop_v5.json")
	var names []string
	for _, n := range r.Nodes {
		names = append(names, n.Name)
	}
	want := []string{"model.shop.orders", "model.shop.stg_orders", "seed.shop.big_lookup", "seed.shop.raw_orders", "snapshot.shop.orders_snapshot"}
	if !slices.Equal(names, want) {
		t.Fatalf("nodes %v, want %v (no tests, analyses, operations, sources or disabled nodes)", names, want)
	}
	if r.Name != "shop (dbt 1.1.0)" {
		t.Errorf("release name %q", r.Name)
	}

	stg := node(t, r, "model.shop.stg_orders")
	if stg.Kind != "model" || stg.Fingerprint != "sha256:2222" {
		t.Errorf("kind %q fingerprint %q", stg.Kind, stg.Fingerprint)
	}
	if !slices.Equal(stg.DependsOn, []string{"seed.shop.raw_orders"}) {
		t.Errorf("depends_on %v: want the seed once, without the source", stg.DependsOn)
	}
	wantCols := []release.Column{{Name: "amount", Type: "numeric"}, {Name: "order_id", Type: ""}}
	if !slices.Equal(stg.Columns, wantCols) {
		t.Errorf("columns %v, want %v", stg.Columns, wantCols)
	}
	if string(stg.Spec) != `{"code":"select * from {{ ref('raw_orders') }}","materialized":"view"}` {
		t.Errorf("spec %s", stg.Spec)
	}
	if string(stg.Metadata) != `{"description":"Orders, cleaned.","meta":{"owner":"data-team"},"tags":["staging"]}` {
		t.Errorf("metadata %s", stg.Metadata)
	}
	if n := node(t, r, "model.shop.orders"); n.Metadata != nil {
		t.Errorf("empty description, tags and meta gave metadata %s", n.Metadata)
	}
	if n := node(t, r, "seed.shop.big_lookup"); n.Fingerprint != "path:seeds/big_lookup.csv" {
		t.Errorf("large seed fingerprint %q", n.Fingerprint)
	}
}

// TestPlanAcrossSchemaVersions checks that upgrading dbt (raw_sql → raw_code, column
// order in the manifest) is not itself a change, while real changes are.
func TestPlanAcrossSchemaVersions(t *testing.T) {
	p, err := plan.Compute(plan.Input{Base: importFile(t, "testdata/shop_v5.json"), Candidate: importFile(t, "testdata/shop_v12.json")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]plan.Category{}
	for _, c := range p.Changes {
		got[c.Node] = c.Category
	}
	want := map[string]plan.Category{
		"model.shop.orders":             plan.Metadata, // description added
		"model.shop.orders.v2":          plan.Added,    // a new model version
		"snapshot.shop.orders_snapshot": plan.Removed,  // disabled in the new manifest
	}
	if len(got) != len(want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	for n, c := range want {
		if got[n] != c {
			t.Errorf("%s: %s, want %s", n, got[n], c)
		}
	}
	if p.Summary.Unchanged != 3 {
		t.Errorf("unchanged %d, want 3 (both seeds and stg_orders)", p.Summary.Unchanged)
	}
}

func TestImportErrors(t *testing.T) {
	tests := []struct {
		name, content string
		want          []string
	}{
		{"schema too old", `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v4.json"},"nodes":{}}`,
			[]string{"m.json", "manifest schema v4 is older than v5"}},
		{"not a manifest schema", `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/catalog/v1.json"},"nodes":{}}`,
			[]string{"m.json", "dbt_schema_version", "not a dbt manifest schema"}},
		{"no metadata", `{"nodes":{}}`, []string{"m.json", "metadata: missing"}},
		{"malformed", `{"metadata": {`, []string{"m.json", "not a readable dbt manifest"}},
		{"nodes of the wrong type", `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v9.json"},"nodes":[]}`,
			[]string{"m.json", "nodes: found JSON array where a dbt manifest has an object"}},
		{"invalid node name", `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v9.json"},
			"nodes":{"model.p.my model":{"unique_id":"model.p.my model","resource_type":"model"}}}`,
			[]string{"m.json", `"model.p.my model" is not a valid name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Import("m.json", []byte(tt.content))
			if err == nil {
				t.Fatal("Import accepted it")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestIsManifest(t *testing.T) {
	tests := []struct {
		name, content string
		want          bool
	}{
		{"manifest", `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v12.json"},"nodes":{}}`, true},
		{"metadata after nodes", `{"nodes":{"a":{"x":[1,{}]}},"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v7.json"}}`, true},
		{"native release", `{"name":"v1","nodes":[{"name":"a","kind":"k"}]}`, false},
		{"native release with metadata-looking spec", `{"nodes":[{"name":"a","kind":"k","spec":{"metadata":{"dbt_schema_version":"x/manifest/v9.json"}}}]}`, false},
		{"catalog", `{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/catalog/v1.json"}}`, false},
		{"not JSON", "nodes: []", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsManifest([]byte(tt.content)); got != tt.want {
				t.Errorf("IsManifest = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRealProjects plans real dbt projects' committed manifests (see each
// testdata/real/*/SOURCE.md) and compares the categories with a golden file. The
// golden files were cross-checked against an independent implementation of the
// rules when they were written.
func TestRealProjects(t *testing.T) {
	dirs, err := filepath.Glob("testdata/real/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no real projects under testdata/real: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			p, err := plan.Compute(plan.Input{
				Base:      importFile(t, filepath.Join(dir, "old.json.gz")),
				Candidate: importFile(t, filepath.Join(dir, "new.json.gz")),
			})
			if err != nil {
				t.Fatal(err)
			}
			type row struct {
				Node     string        `json:"node"`
				Category plan.Category `json:"category"`
				Impacted int           `json:"impacted,omitempty"`
			}
			out := struct {
				Summary plan.Summary `json:"summary"`
				Changes []row        `json:"changes"`
			}{Summary: p.Summary}
			for _, c := range p.Changes {
				out.Changes = append(out.Changes, row{c.Node, c.Category, c.ImpactedCount})
			}
			got, err := json.MarshalIndent(out, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join(dir, "plan.golden.json"), append(got, '\n'))
		})
	}
}

func FuzzImport(f *testing.F) {
	for _, path := range []string{"testdata/shop_v5.json", "testdata/shop_v12.json"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v9.json"},"nodes":{"model.a.b":{"resource_type":"model","depends_on":{"nodes":["model.a.b"]}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Import("fuzz.json", data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if _, err := plan.Compute(plan.Input{Base: r, Candidate: r}); err != nil {
			t.Fatalf("planning an imported release against itself: %v", err)
		}
	})
}
