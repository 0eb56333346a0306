package lambdaenv

import (
	"context"
	"time"
)

// DeadlineMargin is how long before the Lambda deadline a handler's context ends:
// time for the handler to see its context end, return its error (Transient, for a
// step) and for the runtime to report it. Without it a call that is still waiting
// at the deadline ends as a Lambda timeout, not as the error the state machine
// retries.
const DeadlineMargin = 3 * time.Second

// margin returns how long before a deadline that is remaining away a handler's
// context ends: DeadlineMargin, or a quarter of the remaining time when that is
// less (a function with a very short timeout, an invocation that started late).
func margin(remaining time.Duration) time.Duration {
	return min(DeadlineMargin, max(remaining, 0)/4)
}

// withinDeadline returns ctx ending a margin before its deadline (the Lambda
// runtime sets the invocation's deadline on the context it passes); a context
// without a deadline keeps none.
func withinDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(-margin(time.Until(deadline))))
}

// bounded wraps a handler so that it runs on a context that ends a margin before
// the invocation's deadline.
func bounded[In, Out any](fn func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	return func(ctx context.Context, in In) (Out, error) {
		ctx, cancel := withinDeadline(ctx)
		defer cancel()
		return fn(ctx, in)
	}
}
