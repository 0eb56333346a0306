// Command cleanup is the scheduled Lambda function that deletes expired ephemeral
// environments and releases the locks of promotions whose execution died
// (internal/pipeline.Cleanup). Wiring only.
package main

import "github.com/ferrydev/ferry/internal/lambdaenv"

func main() { lambdaenv.Start(lambdaenv.Cleanup) }
