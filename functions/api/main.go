// Command api is the Lambda function behind the HTTP API (API Gateway, payload
// v2): Ferry's API under /api and the approval page at /, as internal/httpapi
// serves them, with identities from the API Gateway authorizers. Wiring only.
package main

import "github.com/ferrydev/ferry/internal/lambdaenv"

func main() { lambdaenv.Start(lambdaenv.APIFunction) }
