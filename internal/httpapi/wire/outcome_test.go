package wire

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/promotion"
)

// TestOutcomeFieldNames pins the JSON form of the evidence and the outcome.
func TestOutcomeFieldNames(t *testing.T) {
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"not live upstream", Evidence{Upstream: "dev", Smoke: []promotion.SmokeResult{}}, `{"upstream":"dev","live":false,"smoke":[]}`},
		{"live upstream", Evidence{Upstream: "dev", Live: true, Since: &at, Version: 4, PromotionID: "p1", PromotionState: promotion.Succeeded,
			Smoke: []promotion.SmokeResult{{Check: "health", URL: "https://x/health", Passed: true, Status: 200, Attempts: 1, At: at}}},
			`{"upstream":"dev","live":true,"since":"2026-11-01T10:00:00Z","version":4,"promotion_id":"p1","promotion_state":"SUCCEEDED",` +
				`"smoke":[{"check":"health","url":"https://x/health","passed":true,"status":200,"latency_ms":0,"attempts":1,"at":"2026-11-01T10:00:00Z"}]}`},
		{"outcome", Outcome{Headline: "Cancelled by bo before anything was applied.", By: "bo", At: at,
			Live: &LiveRelease{Environment: "prod", Version: 3, ReleaseID: "sha256:ab", Name: "v1", PromotionID: "p0", Since: at}},
			`{"headline":"Cancelled by bo before anything was applied.","by":"bo","at":"2026-11-01T10:00:00Z","applied":false,` +
				`"live":{"environment":"prod","version":3,"release_id":"sha256:ab","name":"v1","promotion_id":"p0","since":"2026-11-01T10:00:00Z"}}`},
		{"in the view", PromotionView{Evidence: &Evidence{Upstream: "dev"}, Outcome: &Outcome{Headline: "h", At: at}},
			`"evidence":{"upstream":"dev","live":false,"smoke":null},"outcome":{"headline":"h","at":"2026-11-01T10:00:00Z","applied":false}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(data); got != tt.want && !(len(got) > len(tt.want) && got[len(got)-len(tt.want):] == tt.want) {
				t.Errorf("JSON %s, want %s", got, tt.want)
			}
		})
	}
}
