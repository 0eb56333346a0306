package lambdaenv

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/pipeline"
)

func TestFromEnv(t *testing.T) {
	t.Setenv("TABLE_NAME", "")
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "TABLE_NAME") {
		t.Errorf("without TABLE_NAME: %v", err)
	}
	t.Setenv("TABLE_NAME", "ferry")
	t.Setenv("PAGE_URL", "https://ferry.example")
	if cfg, err := FromEnv(); err != nil || cfg.Table != "ferry" || cfg.PageURL != "https://ferry.example" {
		t.Errorf("FromEnv = %+v, %v", cfg, err)
	}
}

func TestStepLogsOnceWithoutTheToken(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	failing := Step(log, "approval", NoOutput(func(context.Context, pipeline.Input) error {
		return &pipeline.Transient{Msg: "throttled"}
	}))
	_, err := failing(context.Background(), pipeline.Input{PromotionID: "p1", TaskToken: "SECRET-TOKEN"})
	if _, ok := err.(*pipeline.Transient); !ok {
		t.Fatalf("the step's own error type must come through unwrapped, got %T", err)
	}
	out := buf.String()
	if strings.Count(out, "\n") != 1 || strings.Contains(out, "SECRET-TOKEN") {
		t.Errorf("log %q: want one line, without the token", out)
	}
	for _, want := range []string{`"promotion_id":"p1"`, `"step":"approval"`, `"error_type":"Transient"`, `"level":"ERROR"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %s", out, want)
		}
	}
}
