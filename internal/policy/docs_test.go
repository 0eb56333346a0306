package policy

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// docsPolicy is the page that describes the policy format field by field.
const docsPolicy = "../../docs/policy.md"

// jsonFields returns the JSON names of a struct type's fields.
func jsonFields(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// glanceRows returns the rows of docs/policy.md's "Fields at a glance" table,
// keyed by field name, each as its cells.
func glanceRows(t *testing.T, doc string) map[string][]string {
	t.Helper()
	_, section, ok := strings.Cut(doc, "## Fields at a glance")
	if !ok {
		t.Fatalf("%s has no \"Fields at a glance\" section", docsPolicy)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string][]string{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if !strings.HasPrefix(line, "| `") || len(cells) < 5 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows[strings.Trim(cells[0], "`")] = cells
	}
	return rows
}

// TestDocsDescribeEveryField checks that docs/policy.md lists every field of a
// policy, of a smoke check and of the deploy hook, and marks as "in the snapshot"
// exactly the fields a Snapshot records.
func TestDocsDescribeEveryField(t *testing.T) {
	data, err := os.ReadFile(docsPolicy)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	rows := glanceRows(t, doc)
	snapshot := map[string]bool{}
	for _, f := range jsonFields(reflect.TypeFor[Snapshot]()) {
		snapshot[f] = true
	}
	for _, f := range jsonFields(reflect.TypeFor[Policy]()) {
		row, ok := rows[f]
		if !ok {
			t.Errorf("%s: the fields-at-a-glance table has no row for %q", docsPolicy, f)
			continue
		}
		if inSnapshot := row[3] == "yes"; inSnapshot != snapshot[f] {
			t.Errorf("%s: %q is marked in the snapshot: %v; the Snapshot type says %v", docsPolicy, f, inSnapshot, snapshot[f])
		}
		if !strings.Contains(doc, "### `"+f+"`") && !strings.Contains(doc, "`"+f+"` and `") && !strings.Contains(doc, "and `"+f+"`") {
			t.Errorf("%s: no section describes %q", docsPolicy, f)
		}
	}
	for f := range snapshot {
		if _, ok := rows[f]; !ok {
			t.Errorf("%s: the snapshot field %q is not a policy field in the table", docsPolicy, f)
		}
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[SmokeCheck](), reflect.TypeFor[Hook]()} {
		for _, f := range jsonFields(typ) {
			if !strings.Contains(doc, "| `"+f+"` |") {
				t.Errorf("%s: the %s table has no row for %q", docsPolicy, typ.Name(), f)
			}
		}
	}
}
