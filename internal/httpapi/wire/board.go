package wire

import (
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Board is every environment as a pipeline (GET /api/board): one pipeline per
// chain of policy upstreams, heads by name. An environment linked to no other
// is a pipeline of one lane.
type Board struct {
	Pipelines []Pipeline `json:"pipelines"`
}

// Pipeline is a chain of environments in promotion order: each lane comes after
// its upstream, branches depth first, siblings by name.
type Pipeline struct {
	Lanes []Lane `json:"lanes"`
}

// Lane is one environment on the board.
type Lane struct {
	Name string `json:"name"`
	// Upstream is the environment the policy promotes from, if any.
	Upstream string `json:"upstream,omitempty"`
	// UpstreamProblem says why the lane heads its pipeline although it names
	// an upstream: "missing" (no such environment) or "cycle" (following the
	// upstreams comes back here; the cycle is cut before its smallest name).
	UpstreamProblem string `json:"upstream_problem,omitempty"`
	// Depth counts the lanes between this one and its pipeline's head.
	Depth     int        `json:"depth"`
	Ephemeral bool       `json:"ephemeral,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Version   int64      `json:"version"`
	// Current is what it runs, nil before its first deployment.
	Current *LaneRelease      `json:"current,omitempty"`
	Lock    *environment.Lock `json:"lock,omitempty"`
	// Freeze is left out once it has ended.
	Freeze *environment.Freeze `json:"freeze,omitempty"`
	// Waiting is the promotion into the lane that is not over: at most one,
	// the lock's holder.
	Waiting []WaitingPromotion `json:"waiting"`
	// Drift is what promoting the upstream's release here would change; nil
	// without an upstream that is followed.
	Drift *Drift `json:"drift,omitempty"`
}

// LaneRelease is the deployment a lane runs, with its release's name.
type LaneRelease struct {
	environment.Deployment
	ReleaseName string `json:"release_name,omitempty"`
}

// WaitingPromotion is a promotion into a lane that is not over.
type WaitingPromotion struct {
	ID          string          `json:"id"`
	State       promotion.State `json:"state"`
	ReleaseID   string          `json:"release_id"`
	ReleaseName string          `json:"release_name,omitempty"`
	Source      string          `json:"source,omitempty"`
	RequestedBy string          `json:"requested_by"`
	CreatedAt   time.Time       `json:"created_at"`
	// ApprovalExpiresAt is set while it awaits approval; ExpiresSoon says
	// whether that is within the hour (control.ExpiresSoon).
	ApprovalExpiresAt *time.Time `json:"approval_expires_at,omitempty"`
	ExpiresSoon       bool       `json:"expires_soon,omitempty"`
	// Counted and MinApprovals say how far its approval is, once planned.
	Counted      int `json:"counted"`
	MinApprovals int `json:"min_approvals,omitempty"`
}

// Drift states.
const (
	// DriftInSync: the lane runs the upstream's release.
	DriftInSync = "in_sync"
	// DriftDiffers: Summary says what promoting would change.
	DriftDiffers = "differs"
	// DriftUpstreamEmpty: the upstream runs nothing yet.
	DriftUpstreamEmpty = "upstream_empty"
	// DriftNotComputed: the read's bound on plans was spent; a later read
	// computes it.
	DriftNotComputed = "not_computed"
	// DriftTooLarge: the releases have more nodes together (Nodes) than the
	// board plans; a plan preview pages through them.
	DriftTooLarge = "too_large"
)

// Drift is what promoting the upstream's current release into a lane would
// change.
type Drift struct {
	// From is the upstream.
	From        string `json:"from"`
	State       string `json:"state"`
	ReleaseID   string `json:"release_id,omitempty"`
	ReleaseName string `json:"release_name,omitempty"`
	// Summary is the plan's summary when State is "differs".
	Summary *plan.Summary `json:"summary,omitempty"`
	// Nodes counts both releases' nodes when State is "too_large".
	Nodes int `json:"nodes,omitempty"`
}
