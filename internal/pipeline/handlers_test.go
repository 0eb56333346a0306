package pipeline

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestStepLogsOnceWithoutTheToken(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	failing := logged(log, "approval", noOutput(func(context.Context, Input) error {
		return &Transient{Msg: "throttled"}
	}))
	_, err := failing(context.Background(), Input{PromotionID: "p1", TaskToken: "SECRET-TOKEN"})
	if _, ok := err.(*Transient); !ok {
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

func TestHandlersCoverTheStateMachine(t *testing.T) {
	names := map[string]bool{}
	for name := range (&Pipeline{}).Handlers(slog.Default()) {
		names[name] = true
	}
	for _, fn := range definitionFunctions(t) {
		if !names[fn] {
			t.Errorf("the state machine calls function %q, which Handlers lacks", fn)
		}
		delete(names, fn)
	}
	for fn := range names {
		t.Errorf("Handlers has %q, which the state machine never calls", fn)
	}
}

// definitionFunctions lists the functions the state machine's tasks call, from the
// ${NameFunctionArn} substitutions in its definition, by lower-cased name.
func definitionFunctions(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../statemachine/promotion.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	var fns []string
	for _, m := range regexp.MustCompile(`"\$\{([A-Z][A-Za-z]*)FunctionArn\}"`).FindAllSubmatch(data, -1) {
		fns = append(fns, strings.ToLower(string(m[1])))
	}
	if len(fns) == 0 {
		t.Fatal("the definition names no function")
	}
	return fns
}
