// Command finalize is the Lambda function of the promotion state machine's Finalize step
// (internal/pipeline). Wiring only.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/ferrydev/ferry/internal/lambdaenv"
	"github.com/ferrydev/ferry/internal/pipeline"
)

func main() {
	log := lambdacontext.NewLogger()
	cfg, err := lambdaenv.FromEnv()
	if err != nil {
		log.Error("bad configuration", "error", err)
		os.Exit(1)
	}
	pl, err := lambdaenv.Pipeline(context.Background(), cfg)
	if err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(lambdaenv.Step(log, "finalize", pipeline.NoOutput(pl.Finalize)))
}
