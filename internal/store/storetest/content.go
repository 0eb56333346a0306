package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
)

func testReleases(t *testing.T, s store.Store) {
	r := &release.Release{Name: "v1", Source: &release.Source{Commit: "abc", Message: "<script>alert(1)</script>"},
		Checks: []release.Check{{Name: "unit", Status: release.CheckPassed, URL: "https://ci.example/1"}},
		Nodes: []release.Node{
			{Name: "a", Kind: "model", Columns: []release.Column{{Name: "id", Type: "bigint"}}, Metadata: []byte(`{"owner":"x"}`)},
			{Name: "b", Kind: "model", DependsOn: []string{"a"}, Spec: []byte(`{"sql":"select é"}`)},
		}}
	must(t, release.Validate("v1", r, nil))
	must(t, s.PutRelease(ctx, r))
	must(t, s.PutRelease(ctx, r)) // again: a no-op
	got, err := s.GetRelease(ctx, r.ID())
	must(t, err)
	if got.ID() != r.ID() || got.Source.Message != r.Source.Message || len(got.Nodes) != 2 {
		t.Errorf("release read back differs: %+v", got)
	}
	_, err = s.GetRelease(ctx, "sha256:missing")
	wantCode(t, err, fault.NotFound)
	if ok, err := s.ReleaseExists(ctx, r.ID()); err != nil || !ok {
		t.Errorf("ReleaseExists(stored) = %v, %v", ok, err)
	}
	if ok, err := s.ReleaseExists(ctx, "sha256:missing"); err != nil || ok {
		t.Errorf("ReleaseExists(missing) = %v, %v", ok, err)
	}
}

func testPlans(t *testing.T, s store.Store) {
	base := newRelease(t, s, "v1")
	cand := newRelease(t, s, "v2")
	p, err := plan.Compute(plan.Input{Target: "prod", BaseVersion: 3, Base: base, Candidate: cand})
	must(t, err)
	must(t, s.PutPlan(ctx, p))
	must(t, s.PutPlan(ctx, p))
	got, err := s.GetPlan(ctx, p.Digest)
	must(t, err)
	if got.Digest != p.Digest || got.Summary != p.Summary || got.BaseVersion != 3 || len(got.Changes) != len(p.Changes) {
		t.Errorf("plan read back differs: %+v", got)
	}
	_, err = s.GetPlan(ctx, "sha256:missing")
	wantCode(t, err, fault.NotFound)
}

// testLargeRelease: a 50,000-node release of about 30 MB is stored and read back intact.
func testLargeRelease(t *testing.T, s store.Store) {
	r := LargeRelease(50_000)
	must(t, release.Validate("large", r, nil))
	must(t, s.PutRelease(ctx, r))
	got, err := s.GetRelease(ctx, r.ID())
	must(t, err)
	if got.ID() != r.ID() || len(got.Nodes) != len(r.Nodes) {
		t.Fatalf("read back %d nodes, id %s; want %d, %s", len(got.Nodes), got.ID(), len(r.Nodes), r.ID())
	}
	if size := len(release.Canonical(r)); size < 25<<20 {
		t.Errorf("the large release is only %d bytes; the test is meant for about 30 MB", size)
	}
}

// LargeRelease builds a release of n nodes of about 600 bytes each, with content
// that compresses no better than real SQL does.
func LargeRelease(n int) *release.Release {
	r := &release.Release{Name: "large", Nodes: make([]release.Node, n)}
	seed := uint64(1)
	for i := range r.Nodes {
		cols := make([]release.Column, 8)
		for j := range cols {
			cols[j] = release.Column{Name: fmt.Sprintf("column_%02d", j), Type: "numeric(18,4)"}
		}
		var sql strings.Builder
		for range 12 {
			seed = seed*6364136223846793005 + 1442695040888963407
			fmt.Fprintf(&sql, "%x ", seed)
		}
		node := release.Node{Name: fmt.Sprintf("model.warehouse.table_%06d", i), Kind: "model", Columns: cols,
			Spec: []byte(fmt.Sprintf(`{"sql":"select %s"}`, sql.String()))}
		if i > 0 {
			node.DependsOn = []string{fmt.Sprintf("model.warehouse.table_%06d", i/2)}
		}
		r.Nodes[i] = node
	}
	return r
}
