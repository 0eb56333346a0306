package pipeline

import (
	"context"
	"log/slog"
	"time"

	"github.com/ferrydev/ferry/internal/deployhook"
	"github.com/ferrydev/ferry/internal/lambdaerr"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/secretref"
	"github.com/ferrydev/ferry/internal/smoke"
	"github.com/ferrydev/ferry/internal/store"
)

// New builds the pipeline on a store with the real smoke checks, deploy hooks and
// notifications; the Lambda functions and ferry local both build it here. pageURL
// is the approval page's base URL, for links in notifications. Secret references
// resolve from the environment only (env:NAME); the Lambda functions replace
// Secret and Notifier with ones that read SSM and Secrets Manager too.
func New(st store.Store, now func() time.Time, pageURL string) *Pipeline {
	return &Pipeline{Store: st, Now: now, Checks: smoke.New(), Hooks: deployhook.New(),
		Notifier: notify.New(), Secret: secretref.Resolver{}.Resolve, PageURL: pageURL}
}

// Handler is a step in the shape Lambda's Go runtime and the Step Functions
// emulator invoke: the state machine's input in, the step's output (nil for the
// steps without one) and error out.
type Handler func(context.Context, Input) (any, error)

// Handlers returns every step by the function name the state machine's definition
// calls it by, each logging once at its boundary to log.
func (pl *Pipeline) Handlers(log *slog.Logger) map[string]Handler {
	return map[string]Handler{
		"plan":     logged(log, "plan", output(pl.Plan)),
		"approval": logged(log, "approval", noOutput(pl.Approval)),
		"apply":    logged(log, "apply", noOutput(pl.Apply)),
		"smoke":    logged(log, "smoke", output(pl.Smoke)),
		"rollback": logged(log, "rollback", output(pl.Rollback)),
		"finalize": logged(log, "finalize", noOutput(pl.Finalize)),
	}
}

// output adapts a step with an output of its own.
func output[Out any](fn func(context.Context, Input) (Out, error)) Handler {
	return func(ctx context.Context, in Input) (any, error) { return fn(ctx, in) }
}

// noOutput adapts a step that returns only an error (Approval, Apply, Finalize).
func noOutput(fn func(context.Context, Input) error) Handler {
	return func(ctx context.Context, in Input) (any, error) { return nil, fn(ctx, in) }
}

// logged wraps a step so that it logs the step, the promotion id, how long it
// took and how it ended: a Transient error at error level, a domain outcome the
// state machine handles at warning level. The input's task token is never logged,
// and the step's error comes back unwrapped, for the state machine to match.
func logged(log *slog.Logger, step string, fn Handler) Handler {
	return func(ctx context.Context, in Input) (any, error) {
		start := time.Now()
		out, err := fn(ctx, in)
		attrs := []any{"step", step, "promotion_id", in.PromotionID, "duration_ms", time.Since(start).Milliseconds()}
		if err == nil {
			log.InfoContext(ctx, "step done", attrs...)
			return out, nil
		}
		level := slog.LevelWarn
		if _, transient := err.(*Transient); transient {
			level = slog.LevelError
		}
		log.Log(ctx, level, "step failed", append(attrs, "error_type", lambdaerr.Name(err), "error", err.Error())...)
		return out, err
	}
}
