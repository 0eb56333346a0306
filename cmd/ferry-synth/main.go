// Command ferry-synth writes a synthetic release pair for benchmarks, as
// DIR/base.json, DIR/candidate.json and the same content as .yaml files, so that
// "ferry plan" and other diff tools can be timed on identical input.
//
// Usage: ferry-synth -nodes 100000 -out build/bench
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/synth"
)

func main() {
	nodes := flag.Int("nodes", 100_000, "approximate number of nodes per release")
	out := flag.String("out", "build/bench", "directory to write into")
	seed := flag.Uint64("seed", 1, "random seed; the same seed writes the same files")
	flag.Parse()
	if err := write(*out, *nodes, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "ferry-synth:", err)
		os.Exit(1)
	}
}

func write(dir string, nodes int, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base, cand := synth.Pair(nodes, seed)
	for name, r := range map[string]*release.Release{"base": base, "candidate": cand} {
		j, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name+".json"), j, 0o644); err != nil {
			return err
		}
		var generic any // through a generic value, so YAML shows spec and metadata as maps
		if err := json.Unmarshal(j, &generic); err != nil {
			return err
		}
		y, err := yaml.Marshal(generic)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), y, 0o644); err != nil {
			return err
		}
	}
	return nil
}
