// Package sfnemu is the root of a subtree that emulates AWS Step Functions, for
// ferry local and the tests: asl interprets the Amazon States Language, stepfn runs
// state machines, serves the Step Functions API and calls Lambda functions in
// process, boltjournal keeps the emulator's state in a bbolt file across
// restarts, and sigv4 checks the AWS signature of API requests.
//
// The subtree imports nothing from Ferry's domain: only the standard library,
// bbolt and internal/lambdaerr (the name Lambda gives a Go error). Its tests add
// the AWS SDK for Go v2, and the JavaScript SDK v3 through Node.js
// (infra/sfn-sdk-flow.mjs), to talk to the emulator as clients do, and run Ferry's
// promotion definition (statemachine/) as a fixture. It could be lifted into a
// module of its own. Ferry plugs into it from the outside: internal/local
// registers the pipeline's steps as stepfn Functions and talks to the emulator
// with the SDK's Step Functions client.
//
// This package itself holds no code.
package sfnemu
