// Command cleanup is the scheduled Lambda function that deletes expired ephemeral
// environments and releases the locks of promotions whose execution died
// (internal/pipeline.Cleanup). Wiring only.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/ferrydev/ferry/internal/lambdaenv"
)

func main() {
	log := lambdacontext.NewLogger()
	cfg, err := lambdaenv.FromEnv()
	if err != nil {
		log.Error("bad configuration", "error", err)
		os.Exit(1)
	}
	cleanup, err := lambdaenv.Cleanup(context.Background(), cfg)
	if err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context) (any, error) {
		report, err := cleanup(ctx)
		if err != nil {
			log.ErrorContext(ctx, "cleanup failed", "error", err)
			return nil, err
		}
		log.InfoContext(ctx, "cleanup done", "deleted", report.Deleted, "unlocked", report.Unlocked, "kept", report.Kept)
		return report, nil
	})
}
