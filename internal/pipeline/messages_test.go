package pipeline

import (
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/policy"
)

func TestDecidedNotification(t *testing.T) {
	h := newHarness(t)
	h.env("prod", policy.Policy{Approvers: []string{"ana", "bo"}})
	h.deploy("prod", h.rel("v1", "", nil, "a=model"))
	var decided []string
	for _, m := range h.messages {
		if strings.Contains(m, "approved by ana") {
			decided = append(decided, m)
		}
	}
	if len(decided) != 1 {
		t.Errorf("decided notifications %v, messages %v", decided, h.messages)
	}
}
