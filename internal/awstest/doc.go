// Package awstest runs Ferry's AWS form on this machine with tools nobody on the
// team wrote: every function binary under aws-lambda-rie, the official Lambda
// runtime interface emulator, and the promotion state machine under moto's Step
// Functions interpreter (a port of LocalStack's), with DynamoDB Local as the
// table. It has tests only; make test provides what they need.
//
// What the test deploys:
//   - the functions, built for this machine (go build -tags lambda.norpc), each
//     under its own RIE, with the environment Lambda would give it and nothing
//     else: the variables template.yaml gives it (Globals merged with its own),
//     read by name and resolved with local stand-ins for !Ref, !GetAtt, !Sub,
//     !Join, !Select and !If with the template's conditions (the table, moto's
//     state machine ARN, fake function ARNs; a resource with no stand-in
//     resolves to its logical id in lower case; AWS::NoValue leaves the variable
//     out), with the parameters Admins, OidcIssuer and OidcAudience set and the
//     others at their defaults; its timeout and memory as RIE's
//     AWS_LAMBDA_FUNCTION_* settings, its log format as AWS_LAMBDA_LOG_FORMAT;
//     the region, dummy credentials (DynamoDB Local keeps a database per access
//     key, so the functions use the test's), and AWS_ENDPOINT_URL set to moto
//     with AWS_ENDPOINT_URL_DYNAMODB to DynamoDB Local (the SDK's
//     service-specific endpoint variables: every other AWS service a function
//     calls goes to moto);
//   - moto's server (moto_harness.py) with the state machine created from
//     statemachine/promotion.asl.json and template.yaml's
//     DefinitionSubstitutions, its Lambda calls sent to the RIE processes.
//
// moto_harness.py says what it patches in moto 5.2 and why: it turns the
// interpreter on; replaces moto's Lambda invocation (Docker) with an HTTP call
// to the function's RIE, telling a function error by the runtime's error
// object, since RIE sends no X-Amz-Function-Error; copies a state machine for a
// new execution without its running executions (whose thread locks cannot be
// copied: every StartExecution after the first failed); and makes
// StopExecution abort the execution at once, as AWS does, where moto's leaves
// an execution waiting for a task token RUNNING until its timeout.
//
// What it checks, in one deployment (TestAWS):
//   - steps: each step function invoked with the payloads the state machine
//     sends, in its order, with the answers the definition's ResultSelectors read
//     and the Lambda error names its Catch clauses match (NotApproved,
//     EnvironmentFrozen, StepFailed);
//   - api: API Gateway HTTP API payload 2.0 events from the JWT authorizer (under
//     /api) and the IAM authorizer (under /ci/api), and the page's route with no
//     authorizer;
//   - cleanup: the EventBridge scheduled event, releasing the lock of a promotion
//     whose execution was stopped in moto;
//   - flows: approve, reject, expiry (an approval timeout of 3 s), frozen (frozen
//     while waiting, then approved: Apply refuses), smoke failure with rollback,
//     no changes and cancel, each started, decided and cancelled through the api
//     function, checking the promotion's end state in DynamoDB and the
//     execution's status in moto.
//
// It logs each function's cold start under RIE (RIE's init and first-invocation
// durations) and the flow table; go test -v shows them. Only the moto
// interpreter's own waits (the expiry) take seconds; nothing is timed.
//
// Environment: FERRY_RIE (the aws-lambda-rie binary, installed at a pinned
// version by make test), FERRY_DYNAMODB_ENDPOINT (infra/with-dynamodb-local.sh),
// FERRY_PYTHON (default python3, with moto 5.2 and its server). Without the
// first two the test is skipped, except under CI=true, where it fails.
package awstest
