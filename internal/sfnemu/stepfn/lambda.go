// Package stepfn is Ferry's Step Functions emulator, for ferry local and the tests:
// it runs STANDARD state machines with package asl, calls Lambda functions in
// process (Functions), and serves the Step Functions API over HTTP (Handler) so
// that the aws-sdk-go-v2 sfn client, the AWS SDK for JavaScript v3's
// @aws-sdk/client-sfn, and `aws stepfunctions --endpoint-url`, work against it
// unchanged.
//
// Implemented actions: CreateStateMachine, DescribeStateMachine, ListStateMachines,
// StartExecution, DescribeExecution, ListExecutions, StopExecution,
// GetExecutionHistory, SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat,
// with Step Functions' error codes. Page tokens are opaque offsets.
//
// Where a client can tell, it answers as the API reference says: an execution's
// name is never used twice (a start with the name of an open execution and the
// same input returns it; with another input, or of a closed execution whatever
// the input, ExecutionAlreadyExists); ListExecutions' statusFilter must be one of
// RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE and every
// maxResults 0 to 1000 (0: 100), or ValidationException worded as AWS words it;
// the state machine's roleArn is its executions' (ExecutionStarted,
// $$.Execution.RoleArn). DescribeExecution has no roleArn, in AWS either.
//
// Given a Journal (Restore), the emulator records every state machine there, and
// every execution after each transition and before each call of a task's function,
// together with the task tokens that transition issued, answered or timed out, in
// one write: an answer and its effect on the execution are journaled both or
// neither. After a restart it picks up where the journal says (see Restore);
// package boltjournal keeps one in a bbolt file. Without one, it forgets on exit.
package stepfn

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ferrydev/ferry/internal/lambdaerr"
	"github.com/ferrydev/ferry/internal/sfnemu/asl"
)

// Handler is a Lambda function as the emulator runs it: JSON in, JSON out.
type Handler func(ctx context.Context, payload []byte) ([]byte, error)

// Handle adapts a typed Go handler, the kind lambda.Start takes, to a Handler. The
// payload is decoded and the result encoded with encoding/json, as the Lambda
// runtime does; an error is reported by the name aws-lambda-go gives it
// (lambdaerr.Name).
func Handle[In, Out any](fn func(context.Context, In) (Out, error)) Handler {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var in In
		if err := json.Unmarshal(payload, &in); err != nil {
			return nil, &asl.Failure{Name: "Runtime.UnmarshalError", Cause: lambdaCause("Runtime.UnmarshalError", err.Error())}
		}
		out, err := fn(ctx, in)
		if err != nil {
			name := lambdaerr.Name(err)
			return nil, &asl.Failure{Name: name, Cause: lambdaCause(name, err.Error())}
		}
		return json.Marshal(out)
	}
}

// lambdaCause is the cause Step Functions records for a Lambda error.
func lambdaCause(typ, msg string) string {
	b, _ := json.Marshal(map[string]string{"errorMessage": msg, "errorType": typ})
	return string(b)
}

// Functions runs Lambda functions in process, by name. It is the asl.Runtime of
// the emulator: "arn:aws:states:::lambda:invoke" (and its .waitForTaskToken form)
// with Parameters {FunctionName, Payload}, answered as {"ExecutedVersion",
// "Payload", "StatusCode"}, and plain function ARNs, answered with the output.
type Functions map[string]Handler

var _ asl.Runtime = Functions(nil)

// Invoke implements asl.Runtime.
func (f Functions) Invoke(ctx context.Context, resource string, input any, _ string) (any, error) {
	if strings.HasPrefix(resource, "arn:aws:states:::lambda:invoke") {
		params, ok := input.(map[string]any)
		name, _ := params["FunctionName"].(string)
		if !ok || name == "" {
			return nil, &asl.Failure{Name: "States.Runtime", Cause: "lambda:invoke needs Parameters.FunctionName"}
		}
		out, err := f.call(ctx, name, params["Payload"])
		if err != nil {
			return nil, err
		}
		return map[string]any{"ExecutedVersion": "$LATEST", "Payload": out, "StatusCode": json.Number("200")}, nil
	}
	if strings.HasPrefix(resource, "arn:aws:lambda:") {
		return f.call(ctx, resource, input)
	}
	return nil, &asl.Failure{Name: "States.Runtime", Cause: fmt.Sprintf("resource %s is not a Lambda function or lambda:invoke", resource)}
}

// call runs the function name (a name or an ARN) with payload.
func (f Functions) call(ctx context.Context, name string, payload any) (any, error) {
	short := name
	if i := strings.LastIndex(name, ":function:"); i >= 0 {
		short = name[i+len(":function:"):]
		short, _, _ = strings.Cut(short, ":") // drop a version or alias
	}
	h, ok := f[short]
	if !ok {
		return nil, &asl.Failure{Name: "Lambda.ResourceNotFoundException", Cause: fmt.Sprintf("function %s is not registered", name)}
	}
	in, err := json.Marshal(payload)
	if err != nil {
		return nil, &asl.Failure{Name: "States.Runtime", Cause: err.Error()}
	}
	out, err := h(ctx, in)
	if err != nil {
		return nil, err
	}
	v, err := asl.Decode(out)
	if err != nil {
		return nil, &asl.Failure{Name: "Lambda.InvalidResponse", Cause: err.Error()}
	}
	return v, nil
}
