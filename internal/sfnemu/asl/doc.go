// Package asl interprets the Amazon States Language (JSONPath query language): it
// is the engine of the Step Functions emulator in package stepfn.
//
// It covers paths (Path, with slices as Step Functions' Jayway JsonPath gives
// them), payload templates with ".$" fields (Template), the
// intrinsic functions (all of them, States.Format to States.UUID), Choice rules
// with every comparison operator, their Path variants, type tests and And / Or /
// Not, and an executor (Machine, Execution) for every state type (Task, Pass,
// Choice, Wait, Succeed, Fail, Parallel and inline Map) with input and output
// processing, the context object, Retry (backoff, cap, full jitter), Catch, task
// tokens with timeouts and heartbeats, execution timeouts and Step Functions' event
// history (MapIterationStarted / Succeeded / Failed / Aborted included). A Fail
// state's ErrorPath and CausePath take a reference path or one of the intrinsic
// functions AWS lists for them; every state's InputPath and OutputPath, Wait's
// too, are applied. The state machine's role (Machine.RoleARN) is the
// execution's, in ExecutionStarted and $$.Execution.RoleArn. Each is tested
// against the specification's examples, and Ferry's promotion definition runs
// through every outcome in the tests.
//
// Refused with a clear error: the JSONata query language, distributed Map
// (ItemReader, ResultWriter, ItemBatcher) and failure tolerance. A synchronous
// task's TimeoutSeconds is passed to the runtime as the context's deadline.
//
// An Execution is plain data: Advance moves it on at a given time until it ends or
// waits (for a task token, a Wait state, a retry's backoff), so executions can be
// stored and resumed after a restart, and time is the caller's, for tests. A
// Machine's Checkpoint hook is called after every transition and before every
// call of a task's function, which is scheduled first (Execution.Task, with its
// parameters and task token) and called after: an execution stored at any
// checkpoint resumes with Advance, calling a function whose result it does not
// hold again with the same parameters and token. Task functions must therefore be
// idempotent. A token answered while its function is still being called is
// accepted, as Step Functions does.
//
// Values are JSON as encoding/json decodes it with UseNumber: objects are
// map[string]any, numbers json.Number.
package asl
