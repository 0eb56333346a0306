package wire

import (
	"time"

	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// StartRequest is the body of POST /api/promotions.
type StartRequest struct {
	// ID names the promotion; a new one is made when empty. Starting the same
	// promotion twice returns the first.
	ID          string `json:"id,omitempty"`
	Environment string `json:"environment"`
	// ReleaseID or Source (an environment whose release to promote): one of them.
	ReleaseID string        `json:"release_id,omitempty"`
	Source    string        `json:"source,omitempty"`
	Via       promotion.Via `json:"via,omitempty"`
}

// DecisionRequest is the body of POST /api/promotions/{id}/approve and /reject.
type DecisionRequest struct {
	// Comment says what the reviewer checked; a rejection must say why.
	Comment string `json:"comment"`
	// PlanDigest is the digest of the plan the reviewer saw.
	PlanDigest string `json:"plan_digest"`
}

// EnvironmentRequest is the body of PUT /api/environments/{name}: create an
// environment or change its policy.
type EnvironmentRequest struct {
	Policy policy.Policy `json:"policy"`
	// Ephemeral environments expire after the policy's ttl and are cleaned up.
	Ephemeral bool `json:"ephemeral,omitempty"`
}

// FreezeRequest is the body of POST /api/environments/{name}/freeze.
type FreezeRequest struct {
	Reason string    `json:"reason"`
	Until  time.Time `json:"until"`
}

// ExtendRequest is the body of POST /api/environments/{name}/extend, which may
// be left out.
type ExtendRequest struct {
	// TTL is the new time to live from now; the policy's ttl when empty.
	TTL policy.Duration `json:"ttl,omitempty"`
}

// RollbackRequest is the body of POST /api/environments/{name}/rollback, which
// may be left out.
type RollbackRequest struct {
	// ToVersion is the version whose release to go back to; the previous one
	// when 0.
	ToVersion int64 `json:"to_version,omitempty"`
}

// IngestRequest is the body of POST /api/releases that names an upload
// (POST /api/uploads) instead of carrying the release.
type IngestRequest struct {
	UploadID string `json:"upload_id"`
}
