package lambdaenv

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"go.yaml.in/yaml/v3"

	ferry "github.com/ferrydev/ferry"
	"github.com/ferrydev/ferry/internal/pipeline"
)

func TestMargin(t *testing.T) {
	for _, tt := range []struct{ remaining, want time.Duration }{
		{60 * time.Second, DeadlineMargin},
		{300 * time.Second, DeadlineMargin},
		{12 * time.Second, DeadlineMargin},
		{8 * time.Second, 2 * time.Second},
		{2 * time.Second, 500 * time.Millisecond},
		{0, 0},
		{-time.Second, 0},
	} {
		if got := margin(tt.remaining); got != tt.want {
			t.Errorf("margin(%v) = %v, want %v", tt.remaining, got, tt.want)
		}
	}
}

func TestWithinDeadline(t *testing.T) {
	deadline := time.Now().Add(time.Minute)
	parent, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ctx, stop := withinDeadline(parent)
	defer stop()
	got, ok := ctx.Deadline()
	// The margin is computed from the time left when the handler starts, a little
	// under a minute: DeadlineMargin.
	if !ok || !got.Equal(deadline.Add(-DeadlineMargin)) {
		t.Errorf("deadline %v, %v; want %v", got, ok, deadline.Add(-DeadlineMargin))
	}
	ctx, stop = withinDeadline(context.Background())
	defer stop()
	if _, ok := ctx.Deadline(); ok {
		t.Error("a context without a deadline got one")
	}
}

// TestRetryBudgetFitsEveryFunction: one SDK call, retries included, ends before
// the context of every function in template.yaml does: the steps and the cleanup
// with RetryBudget, the api function with APIRetryBudget; and the api function
// answers within API Gateway's 30 s.
func TestRetryBudgetFitsEveryFunction(t *testing.T) {
	var tpl struct {
		Globals struct {
			Function struct {
				Timeout int `yaml:"Timeout"`
			} `yaml:"Function"`
		} `yaml:"Globals"`
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				Timeout int `yaml:"Timeout"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(ferry.Template, &tpl); err != nil {
		t.Fatal(err)
	}
	functions := 0
	for name, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		functions++
		timeout := time.Duration(tpl.Globals.Function.Timeout) * time.Second
		if r.Properties.Timeout != 0 {
			timeout = time.Duration(r.Properties.Timeout) * time.Second
		}
		budget := RetryBudget
		if name == "ApiFunction" {
			budget = APIRetryBudget
			if timeout >= 30*time.Second {
				t.Errorf("ApiFunction: timeout %v, want less than API Gateway's 30 s", timeout)
			}
		}
		if room := timeout - margin(timeout); budget > room {
			t.Errorf("%s: timeout %v leaves %v for a call, less than the SDK's retry budget %v", name, timeout, room, budget)
		}
	}
	if functions < 8 {
		t.Errorf("found %d functions in template.yaml", functions)
	}
}

// silentStore listens on 127.0.0.1 and accepts connections but never answers, as
// a DynamoDB endpoint behind a broken network path does; it returns the endpoint.
func silentStore(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				<-done
				c.Close()
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// refusingStore returns an endpoint on 127.0.0.1 where nothing listens.
func refusingStore(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// TestStepUnderShortDeadline runs the plan function's handler, built as its main
// builds it and invoked through aws-lambda-go, on a context with the deadline the
// Lambda runtime would set, against a DynamoDB that does not answer or refuses
// connections: the step ends with Transient, the error the state machine retries,
// before the invocation's deadline, so Lambda never has to time it out.
func TestStepUnderShortDeadline(t *testing.T) {
	for name, endpoint := range map[string]func(*testing.T) string{"silent": silentStore, "refusing": refusingStore} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("AWS_REGION", "us-east-1")
			t.Setenv("AWS_ACCESS_KEY_ID", "test")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
			t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint(t))
			h, err := Step("plan")(context.Background(), Config{Table: "ferry"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			invocation, cancel := context.WithDeadline(context.Background(), time.Now().Add(2*time.Second))
			defer cancel()
			_, err = lambda.NewHandler(h).Invoke(invocation, []byte(`{"promotion_id": "p1"}`))
			var transient *pipeline.Transient
			if !errors.As(err, &transient) {
				t.Fatalf("the step ended with %T %v, want *pipeline.Transient", err, err)
			}
			if invocation.Err() != nil {
				t.Errorf("the step returned after the invocation's deadline: %v", err)
			}
		})
	}
}
