package wire

import (
	"time"

	"github.com/ferrydev/ferry/internal/promotion"
)

// Evidence is what the upstream environment shows of a promotion's release
// (in PromotionView): whether a promotion put it live there, when, and that
// promotion's smoke results.
type Evidence struct {
	// Upstream is the target's policy's upstream, or the environment the
	// promotion was started from.
	Upstream string `json:"upstream"`
	// Live says whether the release went live there; the rest is about the
	// last time it did.
	Live bool `json:"live"`
	// Since is when; Until when another release replaced it (absent while it
	// is current there); Version the upstream's version it went live as.
	Since   *time.Time `json:"since,omitempty"`
	Until   *time.Time `json:"until,omitempty"`
	Version int64      `json:"version,omitempty"`
	// PromotionID is the promotion that put it there, PromotionState how that
	// one ended (or where it is), and Smoke its smoke results.
	PromotionID    string                  `json:"promotion_id,omitempty"`
	PromotionState promotion.State         `json:"promotion_state,omitempty"`
	Smoke          []promotion.SmokeResult `json:"smoke"`
}

// Outcome says how a promotion ended, in plain words (in PromotionView, once
// it ended): never an error name or code.
type Outcome struct {
	// Headline is one sentence: what happened.
	Headline string `json:"headline"`
	// Why says why; absent for a promotion that did what it was asked.
	Why string `json:"why,omitempty"`
	// By is who ended it; absent when nobody did (expiry, failure, rollback).
	By string    `json:"by,omitempty"`
	At time.Time `json:"at"`
	// Applied says whether the release went live in the target.
	Applied bool `json:"applied"`
	// Live is what the target runs now; absent before its first deployment.
	Live *LiveRelease `json:"live,omitempty"`
}

// LiveRelease is what an environment runs now.
type LiveRelease struct {
	Environment string `json:"environment"`
	Version     int64  `json:"version"`
	ReleaseID   string `json:"release_id"`
	// Name is the release's name, when it has one.
	Name        string    `json:"name,omitempty"`
	PromotionID string    `json:"promotion_id"`
	Since       time.Time `json:"since"`
}
