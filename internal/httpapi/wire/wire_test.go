package wire

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/policy"
)

// TestFieldNames pins the JSON form of the contract's types: a change here is a
// change of the API. A want ending a view is compared with the JSON's tail.
func TestFieldNames(t *testing.T) {
	var e ErrorBody
	e.Error.Code, e.Error.Message = "gone", "over"
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"start", StartRequest{Environment: "prod", Source: "dev"}, `{"environment":"prod","source":"dev"}`},
		{"decision", DecisionRequest{}, `{"comment":"","plan_digest":""}`},
		{"freeze", FreezeRequest{Reason: "audit", Until: at}, `{"reason":"audit","until":"2026-11-01T10:00:00Z"}`},
		{"extend", ExtendRequest{TTL: 90 * 60e9}, `{"ttl":"1h30m0s"}`},
		{"rollback", RollbackRequest{ToVersion: 3}, `{"to_version":3}`},
		{"error", e, `{"error":{"code":"gone","message":"over"}}`},
		{"me", Me{Subject: "ana"}, `{"admin":false,"groups":null,"subject":"ana"}`},
		{"promotion view", PromotionView{Approval: ApprovalView{Approvers: []string{}, CommentMax: 4000}},
			`{"promotion":null,"release":{"id":"","checks":null,"node_count":0},"plan":null,` +
				`"approval":{"mode":"","approvers":[],"min_approvals":0,"counted":0,"may_decide":false,"comment_max":4000},"may_cancel":false}`},
		{"decided under", ApprovalView{DecidedUnder: &policy.Snapshot{Approval: policy.Always, Approvers: []string{"ana"}, MinApprovals: 1,
			ApprovalTimeout: policy.Duration(time.Hour), RequiredChecks: []string{}, HoldMarker: "[HOLD]"}},
			`"decided_under":{"approval":"always","approvers":["ana"],"min_approvals":1,"allow_self_approval":false,` +
				`"approval_timeout":"1h0m0s","required_checks":[],"hold_marker":"[HOLD]"},"may_decide":false,"comment_max":0`},
		{"cancel blocked", PromotionView{CancelBlocked: "too late"}, `"may_cancel":false,"cancel_blocked":"too late"`},
		{"release view", ReleaseView{ReleaseHeader: ReleaseHeader{ID: "sha256:ab"}, Matched: 2, NextOffset: 1},
			`{"id":"sha256:ab","checks":null,"node_count":0,"matched":2,"nodes":null,"next_offset":1}`},
		{"lists", PromotionList{NextPageToken: "t"}, `{"promotions":null,"next_page_token":"t"}`},
		{"environment view", EnvironmentView{}, `{"environment":null,"history":null,"promotions":null}`},
		{"history", HistoryPage{}, `{"history":null}`},
		{"upload", UploadView{UploadID: "up-1", URL: "https://b/uploads/up-1", Method: "PUT", Expires: at},
			`{"upload_id":"up-1","url":"https://b/uploads/up-1","method":"PUT","expires":"2026-11-01T10:00:00Z"}`},
		{"ingest", IngestRequest{UploadID: "up-1"}, `{"upload_id":"up-1"}`},
		{"plan view", PlanView{NextChanges: 200}, `"changes":null,"indirect":null,"next_changes":200`},
		{"plan page", PlanPage{Digest: "sha256:ab", List: "indirect", Total: 3, Matched: 1, Trimmed: []string{"wide"}},
			`{"digest":"sha256:ab","list":"indirect","total":3,"matched":1,"trimmed":["wide"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(data); got != tt.want && !strings.HasSuffix(got, ","+tt.want+"}") {
				t.Errorf("JSON %s, want %s", got, tt.want)
			}
		})
	}
}
