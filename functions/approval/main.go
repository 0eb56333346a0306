// Command approval is the Lambda function of the promotion state machine's Approval step
// (internal/pipeline). Wiring only.
package main

import "github.com/ferrydev/ferry/internal/lambdaenv"

func main() { lambdaenv.Start(lambdaenv.Step("approval")) }
