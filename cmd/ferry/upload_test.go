package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/plan"
)

// TestStartLargeRelease: ferry start --release uploads a release larger than
// the API's old inline limit (64 MiB) through the upload flow, and the commands
// that print plans read every page of a plan larger than one.
func TestStartLargeRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("a 70 MB release")
	}
	d := startDemo(t)
	file := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	const nodes = 40_000
	w.WriteString(`{"name":"big","nodes":[`)
	for i := range nodes {
		if i > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `{"name":"model_%05d","kind":"model","columns":[`, i)
		for c := range 24 {
			if c > 0 {
				w.WriteByte(',')
			}
			fmt.Fprintf(w, `{"name":"column_%02d_%s","type":"varchar"}`, c, strings.Repeat("c", 40))
		}
		w.WriteString(`]}`)
	}
	w.WriteString(`]}`)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if info, err := os.Stat(file); err != nil || info.Size() < 70e6 {
		t.Fatalf("the release file is %d bytes, want 70 MB (%v)", info.Size(), err)
	}
	out := d.expect(t, exitOK, "ci", []string{"start", "--env", "dev", "--release", file, "--wait", "--timeout", "2m"}, "SUCCEEDED")
	id := startedID(t, out)

	var view wire.PromotionView
	if err := json.Unmarshal([]byte(d.expect(t, exitOK, "ana", []string{"status", id, "--json"})), &view); err != nil {
		t.Fatal(err)
	}
	changed := view.Plan.Summary.Changed()
	if changed < nodes || len(view.Plan.Changes) != changed || view.Plan.NextChanges != 0 {
		t.Errorf("status --json: %d of %d changes", len(view.Plan.Changes), changed)
	}
	var p plan.Plan
	if err := json.Unmarshal([]byte(d.expect(t, exitOK, "ana", []string{"plan", "--env", "staging", "--source", "dev", "--format", "json"})), &p); err != nil {
		t.Fatal(err)
	}
	if p.Summary.Changed() < nodes || len(p.Changes) != p.Summary.Changed() {
		t.Errorf("plan --env: %d of %d changes", len(p.Changes), p.Summary.Changed())
	}
}
