package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/identity"
	"github.com/ferrydev/ferry/internal/local"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// BenchmarkReads loads the hot read endpoints on loopback with concurrent
// clients: GET of a promotion awaiting approval whose plan has 1,000 changes,
// and the pending list (20 promotions). It reports requests per second and the
// 99th percentile latency.
func BenchmarkReads(b *testing.B) {
	token := identity.NewToken()
	s, err := local.Start(ctx, local.Config{Addr: "127.0.0.1:0", DataDir: b.TempDir(), Tick: time.Hour,
		Identity: identity.Config{Users: []identity.User{{Name: "ana", Token: token}}}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	id := seedPending(b, s)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for _, bench := range []struct{ name, path string }{
		{"promotion-1000-changes", "/api/promotions/" + id},
		{"pending-list", "/api/promotions?state=AWAITING_APPROVAL"},
	} {
		b.Run(bench.name, func(b *testing.B) {
			url := s.URL + bench.path
			var mu sync.Mutex
			var latencies []time.Duration
			var size int64
			b.SetParallelism(8)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				var n int64
				for pb.Next() {
					t0 := time.Now()
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					n, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				size = max(size, n)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			slices.Sort(latencies)
			if len(latencies) > 0 {
				b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "req/s")
				b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(size), "resp-bytes")
			}
		})
	}
}

// seedPending makes 20 promotions await approval in 20 environments; the first
// one's plan has 1,000 changes (250 each breaking, removed, added and
// metadata-only) over a 2,000-node release. It returns that one's id.
func seedPending(b *testing.B, s *local.System) string {
	b.Helper()
	base, cand := &release.Release{Name: "base"}, &release.Release{Name: "cand"}
	for i := range 2000 {
		n := release.Node{Name: fmt.Sprintf("model_%04d", i), Kind: "model", Columns: []release.Column{{Name: "id", Type: "bigint"}}}
		base.Nodes = append(base.Nodes, n)
		switch i / 250 {
		case 0:
			n.Kind = "view" // breaking
		case 1:
			continue // removed
		case 2:
			n.Metadata = []byte(`{"owner":"data-team"}`)
		}
		cand.Nodes = append(cand.Nodes, n)
	}
	for i := range 250 {
		cand.Nodes = append(cand.Nodes, release.Node{Name: fmt.Sprintf("added_%04d", i), Kind: "model"})
	}
	for _, r := range []*release.Release{base, cand} {
		if err := release.Validate(r.Name, r, nil); err != nil {
			b.Fatal(err)
		}
		if err := s.Store.PutRelease(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	var first string
	for e := range 20 {
		env := fmt.Sprintf("env-%02d", e)
		pol := policy.Policy{Approval: policy.Breaking, Approvers: []string{"ana"}}
		if err := s.Store.CreateEnvironment(ctx, &environment.Environment{Name: env, Policy: pol, CreatedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
		for i, r := range []*release.Release{base, cand} {
			id := fmt.Sprintf("%s-%d", env, i)
			if err := s.Promote(ctx, id, env, r.ID(), "ci", promotion.ViaCI); err != nil {
				b.Fatal(err)
			}
			s.Emulator.Settle()
			if i == 1 && first == "" {
				first = id
			}
		}
	}
	p, err := s.Store.GetPromotion(ctx, first)
	if err != nil || p.State != promotion.AwaitingApproval || p.Summary.Changed() != 1000 {
		b.Fatalf("seeded promotion: %+v, %v", p, err)
	}
	return first
}
