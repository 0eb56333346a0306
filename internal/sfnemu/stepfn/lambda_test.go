package stepfn

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/sfnemu/asl"
)

type greetIn struct {
	Name string `json:"name"`
}

type greetOut struct {
	Greeting string `json:"greeting"`
}

// Refused is a domain error type, reported by its name.
type Refused struct{ msg string }

func (e *Refused) Error() string { return e.msg }

func greet(_ context.Context, in greetIn) (*greetOut, error) {
	switch in.Name {
	case "":
		return nil, &Refused{msg: "no name"}
	case "boom":
		return nil, errors.New("plain failure")
	}
	return &greetOut{Greeting: "hello " + in.Name}, nil
}

func TestFunctions(t *testing.T) {
	fns := Functions{"greet": Handle(greet)}
	ctx := context.Background()
	out, err := fns.Invoke(ctx, "arn:aws:states:::lambda:invoke", map[string]any{
		"FunctionName": "arn:aws:lambda:us-east-1:1:function:greet:$LATEST", "Payload": map[string]any{"name": "ana"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	if string(b) != `{"ExecutedVersion":"$LATEST","Payload":{"greeting":"hello ana"},"StatusCode":200}` {
		t.Errorf("lambda:invoke result %s", b)
	}
	out, err = fns.Invoke(ctx, "arn:aws:lambda:us-east-1:1:function:greet", map[string]any{"name": "bo"}, "")
	if b, _ := json.Marshal(out); err != nil || string(b) != `{"greeting":"hello bo"}` {
		t.Errorf("direct ARN: %s, %v", b, err)
	}
	tests := []struct {
		resource string
		input    any
		name     string
		cause    string
	}{
		{"arn:aws:lambda:us-east-1:1:function:greet", map[string]any{"name": ""}, "Refused", `{"errorMessage":"no name","errorType":"Refused"}`},
		{"arn:aws:lambda:us-east-1:1:function:greet", map[string]any{"name": "boom"}, "errorString", "plain failure"},
		{"arn:aws:lambda:us-east-1:1:function:greet", map[string]any{"name": 3}, "Runtime.UnmarshalError", "cannot unmarshal"},
		{"arn:aws:lambda:us-east-1:1:function:nope", map[string]any{}, "Lambda.ResourceNotFoundException", "not registered"},
		{"arn:aws:states:::lambda:invoke", map[string]any{"Payload": 1}, "States.Runtime", "FunctionName"},
		{"arn:aws:states:::sqs:sendMessage", map[string]any{}, "States.Runtime", "not a Lambda function"},
	}
	for _, tt := range tests {
		_, err := fns.Invoke(ctx, tt.resource, tt.input, "")
		var f *asl.Failure
		if !errors.As(err, &f) || f.Name != tt.name || !strings.Contains(f.Cause, tt.cause) {
			t.Errorf("%s %v: %v, want %s with %q", tt.resource, tt.input, err, tt.name, tt.cause)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{"demo-v1.4.0-dev": true, "p_1": true, "": false, "a b": false, "a/b": false,
		"a:b": false, "<x>": false, "a*": false, "a\"b": false, strings.Repeat("x", 80): true, strings.Repeat("x", 81): false} {
		if got := validName(name); got != want {
			t.Errorf("validName(%q) = %v, want %v", name, got, want)
		}
	}
}
