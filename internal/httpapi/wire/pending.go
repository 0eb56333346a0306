package wire

import "github.com/ferrydev/ferry/internal/promotion"

// ListedPromotions answers GET /api/promotions: PromotionList's page, each
// promotion with its release's name and, while it awaits approval, the
// caller's standing on it. A client that reads it as a PromotionList gets the
// promotions.
type ListedPromotions struct {
	Promotions    []ListedPromotion `json:"promotions"`
	NextPageToken string            `json:"next_page_token,omitempty"`
}

// ListedPromotion is a promotion in a list.
type ListedPromotion struct {
	*promotion.Promotion
	ReleaseName string `json:"release_name,omitempty"`
	// Standing is set while the promotion awaits approval.
	Standing *Standing `json:"standing,omitempty"`
}

// Standing is what the caller may do about a promotion awaiting approval, and
// what it still needs.
type Standing struct {
	MayDecide bool `json:"may_decide"`
	// WhyNot says in a few words why the caller may not decide ("you
	// requested it", "you are not an approver", "you already approved");
	// WhyNotDetail says it whole.
	WhyNot       string `json:"why_not,omitempty"`
	WhyNotDetail string `json:"why_not_detail,omitempty"`
	// Approved names the approvers whose approvals count.
	Approved     []string `json:"approved"`
	MinApprovals int      `json:"min_approvals"`
	// Needed is how many more approvals it needs.
	Needed int `json:"needed"`
	// Approvers may still approve: the rules' approvers who have not decided,
	// the requester left out unless self-approval is allowed.
	Approvers []string `json:"approvers"`
	// ExpiresSoon: its approval expires within the hour.
	ExpiresSoon bool `json:"expires_soon"`
}
