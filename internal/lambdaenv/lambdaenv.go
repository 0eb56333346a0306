// Package lambdaenv builds what Ferry's Lambda functions run, from their
// environment: the DynamoDB store on TABLE_NAME and the pipeline, and wraps each
// step so that it logs once, at the boundary, with the promotion id.
//
// Environment: TABLE_NAME (required), PAGE_URL (the approval page, for links),
// STATE_MACHINE_ARN (the promotion state machine, for the api and cleanup
// functions); for the api function also ADMINS (comma-separated identities or
// group:NAME), SUBJECT_CLAIM and GROUPS_CLAIM (the JWT claims naming the caller and
// its groups).
package lambdaenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/deployhook"
	"github.com/ferrydev/ferry/internal/dynamo"
	"github.com/ferrydev/ferry/internal/httpapi"
	"github.com/ferrydev/ferry/internal/identity"
	"github.com/ferrydev/ferry/internal/lambdaerr"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/smoke"
	"github.com/ferrydev/ferry/site"
)

// Config is a function's configuration.
type Config struct {
	Table           string
	PageURL         string
	StateMachineARN string
	Admins          []string
	SubjectClaim    string
	GroupsClaim     string
}

// FromEnv reads the configuration from environment variables.
func FromEnv() (Config, error) {
	cfg := Config{Table: os.Getenv("TABLE_NAME"), PageURL: os.Getenv("PAGE_URL"), StateMachineARN: os.Getenv("STATE_MACHINE_ARN"),
		SubjectClaim: os.Getenv("SUBJECT_CLAIM"), GroupsClaim: os.Getenv("GROUPS_CLAIM")}
	for _, a := range strings.Split(os.Getenv("ADMINS"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			cfg.Admins = append(cfg.Admins, a)
		}
	}
	if cfg.Table == "" {
		return cfg, errors.New("TABLE_NAME is not set")
	}
	return cfg, nil
}

// Pipeline loads the AWS configuration once and builds the pipeline on DynamoDB.
func Pipeline(ctx context.Context, cfg Config) (*pipeline.Pipeline, error) {
	awsCfg, err := loadAWS(ctx)
	if err != nil {
		return nil, err
	}
	return newPipeline(awsCfg, cfg), nil
}

func loadAWS(ctx context.Context) (aws.Config, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = dynamo.MaxAttempts })
	}))
	if err != nil {
		return awsCfg, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return awsCfg, nil
}

// Cleanup builds the scheduled cleanup: the pipeline's, with executions checked
// through Step Functions.
func Cleanup(ctx context.Context, cfg Config) (func(context.Context) (*pipeline.CleanupReport, error), error) {
	if cfg.StateMachineARN == "" {
		return nil, errors.New("STATE_MACHINE_ARN is not set")
	}
	awsCfg, err := loadAWS(ctx)
	if err != nil {
		return nil, err
	}
	pl := newPipeline(awsCfg, cfg)
	alive := ExecutionAlive(sfn.NewFromConfig(awsCfg), cfg.StateMachineARN)
	return func(ctx context.Context) (*pipeline.CleanupReport, error) { return pl.Cleanup(ctx, alive) }, nil
}

// API builds the HTTP API and page handler for API Gateway: identities from the
// authorizers, operations on DynamoDB and Step Functions. Routes under /ci/ are
// the same API behind the IAM authorizer, for CI.
func API(ctx context.Context, cfg Config, log *slog.Logger) (http.Handler, error) {
	if cfg.StateMachineARN == "" {
		return nil, errors.New("STATE_MACHINE_ARN is not set")
	}
	awsCfg, err := loadAWS(ctx)
	if err != nil {
		return nil, err
	}
	svc := &control.Service{Store: dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.Table), Now: time.Now,
		SFN: sfn.NewFromConfig(awsCfg), StateMachineARN: cfg.StateMachineARN, Notifier: notify.New(),
		PageURL: cfg.PageURL, Admins: cfg.Admins}
	api := (&httpapi.Server{Control: svc, Auth: identity.Gateway{SubjectClaim: cfg.SubjectClaim, GroupsClaim: cfg.GroupsClaim},
		Site: site.Handler(), Log: log}).Handler()
	mux := http.NewServeMux()
	mux.Handle("/ci/api/", http.StripPrefix("/ci", api))
	mux.Handle("/", api)
	return mux, nil
}

// describer is what ExecutionAlive needs of a Step Functions client.
type describer interface {
	DescribeExecution(context.Context, *sfn.DescribeExecutionInput, ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
}

// ExecutionAlive reports whether a promotion's execution (named after it) runs.
func ExecutionAlive(client describer, stateMachineARN string) pipeline.Alive {
	return func(ctx context.Context, promotionID string) (bool, error) {
		out, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(control.ExecutionARN(stateMachineARN, promotionID))})
		var missing *sfntypes.ExecutionDoesNotExist
		switch {
		case errors.As(err, &missing):
			return false, nil
		case err != nil:
			return false, err
		}
		return out.Status == sfntypes.ExecutionStatusRunning, nil
	}
}

func newPipeline(awsCfg aws.Config, cfg Config) *pipeline.Pipeline {
	return &pipeline.Pipeline{
		Store:    dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.Table),
		Now:      time.Now,
		Checks:   smoke.New(),
		Hooks:    deployhook.New(),
		Notifier: notify.New(),
		Secret:   deployhook.Secret,
		PageURL:  cfg.PageURL,
	}
}

// Step wraps a pipeline step for lambda.Start: it logs the step, the promotion id,
// how long it took and how it ended. The input's task token is never logged.
func Step[Out any](log *slog.Logger, step string, fn func(context.Context, pipeline.Input) (Out, error)) func(context.Context, pipeline.Input) (Out, error) {
	return func(ctx context.Context, in pipeline.Input) (Out, error) {
		start := time.Now()
		out, err := fn(ctx, in)
		attrs := []any{"step", step, "promotion_id", in.PromotionID, "duration_ms", time.Since(start).Milliseconds()}
		switch {
		case err == nil:
			log.InfoContext(ctx, "step done", attrs...)
		default:
			attrs = append(attrs, "error_type", lambdaerr.Name(err), "error", err.Error())
			level := slog.LevelWarn // a domain outcome the state machine handles
			if _, transient := err.(*pipeline.Transient); transient {
				level = slog.LevelError
			}
			log.Log(ctx, level, "step failed", attrs...)
		}
		return out, err
	}
}
