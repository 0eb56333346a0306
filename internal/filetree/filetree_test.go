package filetree

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
)

// writeTree creates files (path → content) under a new directory.
func writeTree(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func byName(r *release.Release) map[string]release.Node {
	m := map[string]release.Node{}
	for _, n := range r.Nodes {
		m[n.Name] = n
	}
	return m
}

func TestImport(t *testing.T) {
	files := map[string]string{
		"modules/cdf/transformations/orders.Transformation.yaml": "externalId: orders\nquery: select 1\n",
		"modules/cdf/data_sets.yaml":                             "- externalId: a\n---\n- externalId: b\n",
		"config.json":                                            `{"b": 1, "a": [true]}`,
		"sql/report.sql":                                         "select 1",
		"LICENSE":                                                "MIT",
		"broken.yaml":                                            "a: [unclosed",
		".git/config":                                            "[core]",
		".DS_Store":                                              "junk",
	}
	dir := writeTree(t, files)
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	r, err := Import(dir)
	if err != nil {
		t.Fatal(err)
	}
	nodes := byName(r)
	var names []string
	for n := range nodes {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{"LICENSE", "broken.yaml", "config.json", "modules/cdf/data_sets.yaml", "modules/cdf/transformations/orders.Transformation.yaml", "sql/report.sql"}
	if !slices.Equal(names, want) {
		t.Fatalf("nodes %v, want %v (hidden files and links skipped)", names, want)
	}
	tr := nodes["modules/cdf/transformations/orders.Transformation.yaml"]
	sum := sha256.Sum256([]byte(files["modules/cdf/transformations/orders.Transformation.yaml"]))
	if tr.Kind != "yaml" || tr.Fingerprint != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("kind %q fingerprint %q", tr.Kind, tr.Fingerprint)
	}
	if string(tr.Spec) != `{"externalId":"orders","query":"select 1"}` {
		t.Errorf("YAML spec %s", tr.Spec)
	}
	if got := string(nodes["modules/cdf/data_sets.yaml"].Spec); got != `[[{"externalId":"a"}],[{"externalId":"b"}]]` {
		t.Errorf("multi-document spec %s", got)
	}
	if got := string(nodes["config.json"].Spec); got != `{"a":[true],"b":1}` {
		t.Errorf("JSON spec %s", got)
	}
	for _, n := range []string{"sql/report.sql", "broken.yaml", "LICENSE"} {
		if nodes[n].Spec != nil {
			t.Errorf("%s has spec %s; only parseable YAML and JSON files do", n, nodes[n].Spec)
		}
	}
	if nodes["LICENSE"].Kind != "file" || nodes["sql/report.sql"].Kind != "sql" {
		t.Errorf("kinds %q %q", nodes["LICENSE"].Kind, nodes["sql/report.sql"].Kind)
	}
}

func TestPlanBetweenTrees(t *testing.T) {
	old := writeTree(t, map[string]string{"a.yaml": "x: 1\ny: 2\n", "b.sql": "select 1", "c.txt": "gone"})
	cur := writeTree(t, map[string]string{"a.yaml": "x: 1\ny: 3\n", "b.sql": "select 1", "d.txt": "new"})
	base, err := Import(old)
	if err != nil {
		t.Fatal(err)
	}
	cand, err := Import(cur)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Compute(plan.Input{Base: base, Candidate: cand})
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary != (plan.Summary{Added: 1, Removed: 1, NonBreaking: 1, Unchanged: 1}) {
		t.Errorf("summary %+v", p.Summary)
	}
	if c := p.Changes[0]; c.Node != "a.yaml" || !slices.Equal(c.Details.SpecKeysChanged, []string{"y"}) {
		t.Errorf("first change %+v", c)
	}
}

func TestImportErrors(t *testing.T) {
	dir := writeTree(t, map[string]string{"ok.yaml": "a: 1", "bad dir/my file.yaml": "a: 1"})
	_, err := Import(dir)
	if err == nil || !strings.Contains(err.Error(), "bad dir/my file.yaml") || !strings.Contains(err.Error(), "not a valid node name") {
		t.Fatalf("error %v, want the file named", err)
	}
	if _, err := Import(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing directory was imported")
	}
}

func TestImportRejectsHugeTrees(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.bin")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: takes no disk, reads as zeros.
	if err := f.Truncate(MaxTotalSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = Import(dir)
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("error %v, want the size limit", err)
	}
}
