// Package wire is the JSON contract of Ferry's HTTP API: the request bodies it
// takes and the views it answers with, shared by the server (internal/httpapi),
// the Go client (internal/apiclient) and the CLI. It holds JSON structs only.
//
// Decisions recorded here:
//   - It may use the domain packages' types (promotion, plan, environment,
//     policy, release), whose JSON forms are part of the contract, but never the
//     operations (internal/control) or the server: a client imports the contract
//     without the server.
//   - Field names are snake_case; a list is [] rather than null when empty;
//     optional fields are left out when empty.
package wire
