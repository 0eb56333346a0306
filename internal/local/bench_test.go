package local

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fakeclock"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// backends are the stores benchmarks run on: embedded, and DynamoDB Local when
// the endpoint is set (make bench starts it).
func backends() []string {
	if os.Getenv("FERRY_DYNAMODB_ENDPOINT") != "" {
		return []string{"embedded", "dynamo"}
	}
	return []string{"embedded"}
}

func benchSystem(b *testing.B, backend string) *System {
	b.Helper()
	table := ""
	if backend == "dynamo" {
		table = fmt.Sprintf("ferry-bench-%d", time.Now().UnixNano())
	}
	s := boot(b, b.TempDir(), fakeclock.New(time.Now()), table)
	s.Pipeline.Now = time.Now
	s.Emulator.Now = time.Now
	b.Cleanup(func() { s.Close() })
	return s
}

// releases stores two alternating releases of a 100-node project.
func releases(b *testing.B, s *System) [2]*release.Release {
	var out [2]*release.Release
	for i := range out {
		r := &release.Release{Name: fmt.Sprintf("r%d", i)}
		for n := range 100 {
			kind := "model"
			if n == 0 && i == 1 {
				kind = "seed" // a breaking change between the two
			}
			r.Nodes = append(r.Nodes, release.Node{Name: fmt.Sprintf("node_%03d", n), Kind: kind,
				Columns: []release.Column{{Name: "id", Type: "bigint"}}, Spec: []byte(fmt.Sprintf(`{"sql":"select %d"}`, n))})
		}
		if err := release.Validate(r.Name, r, nil); err != nil {
			b.Fatal(err)
		}
		if err := s.Store.PutRelease(ctx, r); err != nil {
			b.Fatal(err)
		}
		out[i] = r
	}
	return out
}

// BenchmarkPromotionLatency measures, per promotion, the time from start to
// AWAITING_APPROVAL and from the approval to SUCCEEDED (with a smoke check against
// a local endpoint), through the emulator, the real steps and the store.
func BenchmarkPromotionLatency(b *testing.B) {
	health := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer health.Close()
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			s := benchSystem(b, backend)
			pol := policy.Policy{Approval: policy.Always, Approvers: []string{"ana"}, Smoke: []policy.SmokeCheck{{Name: "health", URL: health.URL}}}
			if err := s.Store.CreateEnvironment(ctx, &environment.Environment{Name: "prod", Policy: pol, CreatedAt: time.Now()}); err != nil {
				b.Fatal(err)
			}
			rels := releases(b, s)
			var toAwaiting, toSucceeded time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id := fmt.Sprintf("p%06d", i)
				start := time.Now()
				if err := s.Promote(ctx, id, "prod", rels[i%2].ID(), "ci", promotion.ViaCI); err != nil {
					b.Fatal(err)
				}
				s.Emulator.Settle()
				toAwaiting += time.Since(start)
				p, err := s.Store.RecordDecision(ctx, id, promotion.Approval{Identity: "ana", Decision: promotion.Approve, At: time.Now()})
				if err != nil {
					b.Fatalf("promotion %d: %v", i, err)
				}
				start = time.Now()
				if err := s.Emulator.SendTaskSuccess(p.TaskToken, `{}`); err != nil {
					b.Fatal(err)
				}
				s.Emulator.Settle()
				toSucceeded += time.Since(start)
				if got, _ := s.Store.GetPromotion(ctx, id); got.State != promotion.Succeeded {
					b.Fatalf("promotion %d ended %s: %s", i, got.State, got.Error)
				}
			}
			b.ReportMetric(float64(toAwaiting.Milliseconds())/float64(b.N), "ms-to-awaiting")
			b.ReportMetric(float64(toSucceeded.Milliseconds())/float64(b.N), "ms-approval-to-succeeded")
		})
	}
}

// BenchmarkThroughput runs 1,000 promotions of distinct environments (no approval,
// no smoke checks) through the emulator at once and reports promotions per second.
func BenchmarkThroughput(b *testing.B) {
	const n = 1000
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			s := benchSystem(b, backend)
			rels := releases(b, s)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for e := range n {
					env := &environment.Environment{Name: fmt.Sprintf("env-%d-%04d", i, e), Policy: policy.Policy{Approval: policy.Never}, CreatedAt: time.Now()}
					if err := s.Store.CreateEnvironment(ctx, env); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				start := time.Now()
				for e := range n {
					if err := s.Promote(ctx, fmt.Sprintf("t%d-%04d", i, e), fmt.Sprintf("env-%d-%04d", i, e), rels[0].ID(), "ci", promotion.ViaCI); err != nil {
						b.Fatal(err)
					}
				}
				s.Emulator.Settle()
				b.ReportMetric(n/time.Since(start).Seconds(), "promotions/s")
				b.StopTimer()
				for e := range n {
					if p, _ := s.Store.GetPromotion(ctx, fmt.Sprintf("t%d-%04d", i, e)); p.State != promotion.Succeeded {
						b.Fatalf("promotion %d ended %s: %s", e, p.State, p.Error)
					}
				}
				b.StartTimer()
			}
		})
	}
}
