package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/policy"
)

// The board's bound on plans. A drift costs what a plan preview costs: reading
// both releases and planning them, about 0.6 s at 10,000 nodes and 10 s at
// 100,000 (measured on a shared 2-CPU machine). A pair of releases always
// gives the same drift, so drifts are cached by pair and a board that polls
// computes each once; beyond that one read computes at most driftsPerRead
// drifts not cached yet (the others answer "not_computed" and come with the
// next reads), and none of releases over driftNodes nodes together ("too_large":
// the preview pages through those). A waiting promotion of the upstream's
// release planned against what the lane runs has the drift as its summary
// already, whatever the size.
const (
	driftsPerRead = 1
	driftNodes    = 20_000
)

type driftKey struct{ base, candidate string }

// board answers every environment as lanes in promotion order, with release
// names, what waits in each, and the drift from each lane's upstream.
func (s *Server) board(w http.ResponseWriter, r *http.Request, who policy.Identity) error {
	ctx := r.Context()
	pipes, err := s.Control.Board(ctx, who)
	if err != nil {
		return err
	}
	current := map[string]*environment.Deployment{}
	for _, pipe := range pipes {
		for _, l := range pipe {
			current[l.Environment.Name] = l.Environment.Current
		}
	}
	budget := driftsPerRead
	now := s.Control.Now()
	out := wire.Board{Pipelines: make([]wire.Pipeline, len(pipes))}
	for i, pipe := range pipes {
		out.Pipelines[i].Lanes = make([]wire.Lane, len(pipe))
		for j, l := range pipe {
			lane, err := s.lane(ctx, l, now)
			if err != nil {
				return err
			}
			if lane.Upstream != "" && lane.UpstreamProblem == "" {
				if lane.Drift, err = s.drift(ctx, lane.Upstream, current[lane.Upstream], l, &budget); err != nil {
					return err
				}
			}
			out.Pipelines[i].Lanes[j] = lane
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// lane is l's wire form, with release names; a lock or a freeze that has
// ended is left out.
func (s *Server) lane(ctx context.Context, l control.Lane, now time.Time) (wire.Lane, error) {
	e := l.Environment
	lane := wire.Lane{Name: e.Name, Upstream: e.Policy.Upstream, UpstreamProblem: l.UpstreamProblem, Depth: l.Depth,
		Ephemeral: e.Ephemeral, ExpiresAt: e.ExpiresAt, Version: e.Version, Waiting: []wire.WaitingPromotion{}}
	if e.Lock.Held(now) {
		lane.Lock = e.Lock
	}
	if e.Freeze.Active(now) {
		lane.Freeze = e.Freeze
	}
	if e.Current != nil {
		name, err := s.releaseName(ctx, e.Current.ReleaseID)
		if err != nil {
			return lane, err
		}
		lane.Current = &wire.LaneRelease{Deployment: *e.Current, ReleaseName: name}
	}
	if p := l.Waiting; p != nil {
		name, err := s.releaseName(ctx, p.ReleaseID)
		if err != nil {
			return lane, err
		}
		wp := wire.WaitingPromotion{ID: p.ID, State: p.State, ReleaseID: p.ReleaseID, ReleaseName: name, Source: p.Source,
			RequestedBy: p.RequestedBy, CreatedAt: p.CreatedAt, ApprovalExpiresAt: p.ApprovalExpiresAt,
			ExpiresSoon: control.ExpiringSoon(p, now), Counted: len(p.Counted())}
		if p.Snapshot != nil {
			wp.MinApprovals = p.Snapshot.MinApprovals
		}
		lane.Waiting = append(lane.Waiting, wp)
	}
	return lane, nil
}

// drift is what promoting what upstream runs (from) into lane l would change;
// it plans only while budget lasts and the releases are not too large.
func (s *Server) drift(ctx context.Context, upstream string, from *environment.Deployment, l control.Lane, budget *int) (*wire.Drift, error) {
	d := &wire.Drift{From: upstream}
	cur := l.Environment.Current
	switch {
	case from == nil:
		d.State = wire.DriftUpstreamEmpty
		return d, nil
	case cur != nil && cur.ReleaseID == from.ReleaseID:
		d.State, d.ReleaseID = wire.DriftInSync, from.ReleaseID
	default:
		d.State, d.ReleaseID = wire.DriftDiffers, from.ReleaseID
	}
	cand, err := s.releaseHeader(ctx, from.ReleaseID)
	if err != nil {
		return nil, err
	}
	if d.ReleaseName = cand.Name; d.State == wire.DriftInSync {
		return d, nil
	}
	key, nodes := driftKey{candidate: from.ReleaseID}, cand.NodeCount
	if cur != nil {
		base, err := s.releaseHeader(ctx, cur.ReleaseID)
		if err != nil {
			return nil, err
		}
		key.base, nodes = cur.ReleaseID, nodes+base.NodeCount
	}
	sum, ok := s.driftCache.get(key)
	if w := l.Waiting; !ok && w != nil && w.Summary != nil && w.ReleaseID == key.candidate && w.BaseVersion == l.Environment.Version {
		sum, ok = *w.Summary, true
		s.driftCache.put(key, sum)
	}
	if !ok {
		switch {
		case nodes > driftNodes:
			d.State, d.Nodes = wire.DriftTooLarge, nodes
			return d, nil
		case *budget == 0:
			d.State = wire.DriftNotComputed
			return d, nil
		}
		*budget--
		if sum, err = s.Control.Drift(ctx, key.base, key.candidate); err != nil {
			return nil, err
		}
		s.driftCache.put(key, sum)
	}
	d.Summary = &sum
	return d, nil
}

// releaseName is a release's name, from the cached headers.
func (s *Server) releaseName(ctx context.Context, id string) (string, error) {
	h, err := s.releaseHeader(ctx, id)
	return h.Name, err
}
