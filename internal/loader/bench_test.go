package loader

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/synth"
)

// BenchmarkPlan times what "ferry plan base.json candidate.json" does: read and parse
// both release files, diff, categorize, compute impact and the digest. About 1% of
// the nodes change, in a dbt-shaped graph (package synth).
func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		dir := b.TempDir()
		base, cand := synth.Pair(n, 1)
		var size int64
		for name, r := range map[string]any{"base.json": base, "candidate.json": cand} {
			data, err := json.Marshal(r)
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				b.Fatal(err)
			}
			size += int64(len(data))
		}
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(size)
			for b.Loop() {
				rs, err := LoadAll(Auto, filepath.Join(dir, "base.json"), filepath.Join(dir, "candidate.json"))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := plan.Compute(plan.Input{Base: rs[0], Candidate: rs[1]}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
