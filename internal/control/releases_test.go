package control

import (
	"testing"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/release"
)

func TestPutRelease(t *testing.T) {
	h := newHarness(t)
	r := &release.Release{Name: "v1", Nodes: []release.Node{{Name: "orders", Kind: "model"}}}
	h.must(release.Validate("v1", r, nil))
	for i, want := range []bool{true, false} {
		created, err := h.svc.PutRelease(ctx, r)
		if err != nil || created != want {
			t.Errorf("upload %d: created %v, %v; want %v", i+1, created, err, want)
		}
	}
	if got, err := h.svc.Release(ctx, r.ID()); err != nil || got.Name != "v1" || len(got.Nodes) != 1 {
		t.Errorf("Release = %+v, %v", got, err)
	}
	if _, err := h.svc.Release(ctx, "sha256:00"); fault.ErrorCode(err) != fault.NotFound {
		t.Errorf("a release never uploaded: %v", err)
	}
}
