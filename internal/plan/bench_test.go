package plan_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/synth"
)

// BenchmarkPlanShapes computes plans for graphs whose every node is BREAKING, in
// each shape of package synth (chain, star, diamond lattice), and for the
// dbt-shaped pair with about 1% changed, at 10k and 100k nodes. Besides time and
// memory (of Compute, which includes the digest's canonical JSON) it reports
// plan-bytes, the size of the plan's JSON, and bytes/node.
func BenchmarkPlanShapes(b *testing.B) {
	type pair struct{ base, cand *release.Release }
	for _, n := range []int{10_000, 100_000} {
		cases := []struct {
			name string
			make func() (pair, error)
		}{}
		for _, s := range synth.Shapes {
			cases = append(cases, struct {
				name string
				make func() (pair, error)
			}{string(s), func() (pair, error) {
				base, cand, err := synth.AllBreaking(s, n)
				return pair{base, cand}, err
			}})
		}
		cases = append(cases, struct {
			name string
			make func() (pair, error)
		}{"dbt-1%", func() (pair, error) {
			base, cand := synth.Pair(n, 1)
			for _, r := range []*release.Release{base, cand} {
				if err := release.Validate("synth", r, nil); err != nil {
					return pair{}, err
				}
			}
			return pair{base, cand}, nil
		}})
		for _, c := range cases {
			b.Run(fmt.Sprintf("%s/nodes=%d", c.name, n), func(b *testing.B) {
				in, err := c.make()
				if err != nil {
					b.Fatal(err)
				}
				var p *plan.Plan
				b.ReportAllocs()
				for b.Loop() {
					if p, err = plan.Compute(plan.Input{Target: "prod", Base: in.base, Candidate: in.cand}); err != nil {
						b.Fatal(err)
					}
				}
				data, err := json.Marshal(p)
				if err != nil {
					b.Fatal(err)
				}
				size := len(data)
				b.ReportMetric(float64(size), "plan-bytes")
				b.ReportMetric(float64(size)/float64(len(in.cand.Nodes)), "bytes/node")
			})
		}
	}
}
