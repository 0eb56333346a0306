package wire

import (
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
)

// ErrorBody is how every error is answered.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Me is who the caller is (GET /api/me), for the page's sign-in.
type Me struct {
	Admin   bool     `json:"admin"`
	Groups  []string `json:"groups"`
	Subject string   `json:"subject"`
}

// PromotionList is a page of promotions (GET /api/promotions).
type PromotionList struct {
	Promotions    []*promotion.Promotion `json:"promotions"`
	NextPageToken string                 `json:"next_page_token,omitempty"`
}

// PromotionView is a promotion with what a reviewer needs to decide on it
// (GET /api/promotions/{id}).
type PromotionView struct {
	Promotion *promotion.Promotion `json:"promotion"`
	Release   ReleaseHeader        `json:"release"`
	// Plan is nil until the promotion is planned; it holds the first page of
	// the plan's lists.
	Plan     *PlanView    `json:"plan"`
	Approval ApprovalView `json:"approval"`
	// MayCancel says whether the caller may cancel the promotion now;
	// CancelBlocked says why not.
	MayCancel     bool   `json:"may_cancel"`
	CancelBlocked string `json:"cancel_blocked,omitempty"`
	// Evidence is what the upstream environment shows of the release; absent
	// without an upstream.
	Evidence *Evidence `json:"evidence,omitempty"`
	// Outcome says how it ended; absent while it runs.
	Outcome *Outcome `json:"outcome,omitempty"`
}

// ApprovalView says who may decide and how many must: under the promotion's
// policy snapshot once it is planned (DecidedUnder), before that under the
// environment's policy as it is now.
type ApprovalView struct {
	Mode         policy.Approval `json:"mode"`
	Approvers    []string        `json:"approvers"`
	MinApprovals int             `json:"min_approvals"`
	// Counted is how many recorded approvals count toward MinApprovals: for the
	// current plan, by approvers the rules admit.
	Counted   int        `json:"counted"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// DecidedUnder is the promotion's policy snapshot: the approval rules in
	// force when it was planned, which decide it whatever the policy says now.
	// Nil until it is planned.
	DecidedUnder *policy.Snapshot `json:"decided_under,omitempty"`
	// MayDecide says whether the caller may approve or reject now; WhyNot says
	// why not.
	MayDecide bool   `json:"may_decide"`
	WhyNot    string `json:"why_not,omitempty"`
	// CommentMax is the longest comment a decision may carry, in bytes.
	CommentMax int `json:"comment_max"`
}

// ReleaseHeader is a release without its nodes (the answer to POST
// /api/releases).
type ReleaseHeader struct {
	ID        string          `json:"id"`
	Name      string          `json:"name,omitempty"`
	Source    *release.Source `json:"source,omitempty"`
	Checks    []release.Check `json:"checks"`
	NodeCount int             `json:"node_count"`
}

// ReleaseView is a release's header and one page of its nodes
// (GET /api/releases/{id}).
type ReleaseView struct {
	ReleaseHeader
	// Matched counts the nodes whose name contains the query.
	Matched    int            `json:"matched"`
	Nodes      []release.Node `json:"nodes"`
	NextOffset int            `json:"next_offset,omitempty"`
	// Trimmed names the nodes of an exact-node answer (?node=) sent without
	// their spec and metadata (and columns and dependencies, when those are
	// too large still), each alone too large.
	Trimmed []string `json:"trimmed,omitempty"`
}

// EnvironmentList is every environment, by name (GET /api/environments).
type EnvironmentList struct {
	Environments []*environment.Environment `json:"environments"`
}

// EnvironmentView is an environment with its recent past
// (GET /api/environments/{name}).
type EnvironmentView struct {
	Environment *environment.Environment `json:"environment"`
	// History is the newest versions, newest first; /history pages through all.
	History    []environment.VersionEntry `json:"history"`
	Promotions []*promotion.Promotion     `json:"promotions"`
}

// HistoryPage is a page of an environment's versions, newest first
// (GET /api/environments/{name}/history).
type HistoryPage struct {
	History       []environment.VersionEntry `json:"history"`
	NextPageToken string                     `json:"next_page_token,omitempty"`
}

// UploadView answers POST /api/uploads: PUT the release's JSON to URL (no other
// header needed) before Expires, then POST /api/releases {"upload_id"}.
type UploadView struct {
	UploadID string    `json:"upload_id"`
	URL      string    `json:"url"`
	Method   string    `json:"method"`
	Expires  time.Time `json:"expires"`
}

// PlanView is a plan with the first page of each of its lists (in
// GET /api/promotions/{id} and GET /api/environments/{name}/plan); the rest
// comes a page at a time from the plan's paging route. Changes come in review
// order: category (breaking first), widest impact, name. Indirect comes by name.
type PlanView struct {
	Target      string       `json:"target"`
	BaseVersion int64        `json:"base_version"`
	BaseRelease string       `json:"base_release"`
	Release     string       `json:"release"`
	Digest      string       `json:"digest"`
	Summary     plan.Summary `json:"summary"`
	// Changes and Indirect are the first page of each list.
	Changes  []plan.Change       `json:"changes"`
	Indirect []plan.IndirectNode `json:"indirect"`
	// NextChanges and NextIndirect are the offsets to page on from; 0 when
	// the list is whole.
	NextChanges  int `json:"next_changes,omitempty"`
	NextIndirect int `json:"next_indirect,omitempty"`
	// Trimmed names the entries above sent without their details, each alone
	// larger than a page may be (see PlanPage).
	Trimmed []string `json:"trimmed,omitempty"`
}

// PlanPage is one page of a plan's changes or indirect nodes
// (GET /api/promotions/{id}/plan, GET /api/environments/{name}/plan?list=),
// of the entries whose node name contains q (case-insensitive) and, for
// changes, whose category is category. A page holds at most limit entries and
// at most a fixed number of bytes of them; an entry alone larger than that is
// sent with its details and via left out and its name in Trimmed.
type PlanPage struct {
	// Digest is the plan's: pages of one plan carry the same.
	Digest string `json:"digest"`
	// List is "changes" or "indirect".
	List string `json:"list"`
	// Total counts the list's entries; Matched those that match the filters.
	Total   int `json:"total"`
	Matched int `json:"matched"`
	// Changes or Indirect, by List, is the page; left out when empty.
	Changes  []plan.Change       `json:"changes,omitempty"`
	Indirect []plan.IndirectNode `json:"indirect,omitempty"`
	// NextOffset is the offset of the next page; 0 after the last.
	NextOffset int      `json:"next_offset,omitempty"`
	Trimmed    []string `json:"trimmed,omitempty"`
}
