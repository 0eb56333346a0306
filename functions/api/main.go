// Command api is the Lambda function behind the HTTP API (API Gateway, payload
// v2): Ferry's API under /api and the approval page at /, as internal/httpapi
// serves them, with identities from the API Gateway authorizers. Wiring only.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/ferrydev/ferry/internal/lambdaenv"
)

func main() {
	log := lambdacontext.NewLogger()
	cfg, err := lambdaenv.FromEnv()
	if err != nil {
		log.Error("bad configuration", "error", err)
		os.Exit(1)
	}
	handler, err := lambdaenv.API(context.Background(), cfg, log)
	if err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(handler).ProxyWithContext)
}
