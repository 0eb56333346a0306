// Package lambdaenv builds what Ferry's Lambda functions run, from their
// environment: the DynamoDB store on TABLE_NAME, the pipeline's steps (each logged
// once, at its boundary, with the promotion id), the HTTP API and the cleanup.
// Each functions/<name>/main.go is one call: Start with the function's Builder.
//
// Environment: TABLE_NAME (required), PAGE_URL (the approval page, for links),
// PAGE_URL_PARAMETER (an SSM parameter holding the page's URL, read once at
// start when PAGE_URL is empty), STATE_MACHINE_ARN (the promotion state
// machine, for the api and cleanup functions); for the api function also ADMINS
// (comma-separated identities or group:NAME), SUBJECT_CLAIM and GROUPS_CLAIM (the
// JWT claims naming the caller and its groups), UPLOAD_BUCKET (the S3 bucket
// releases are uploaded to through presigned PUT URLs, since API Gateway and
// Lambda cap a request at 6 MB), and OIDC_ISSUER and OIDC_CLIENT_ID (the
// OpenID provider the page signs people in with: the JWT authorizer's issuer
// and audience).
//
// Sign-in: with OIDC_ISSUER set, the api function reads the issuer's discovery
// document once, at start (within discoveryTimeout), for its token endpoint,
// whose origin the page's CSP must allow besides the issuer's (Cognito's token
// endpoint is on the user pool's domain, not the issuer's). A document that
// cannot be read is logged and the function runs on: the CSP then allows the
// issuer's origin only, which serves providers whose token endpoint is there.
//
// Page URL: the template cannot give the functions the HTTP API's URL in
// PAGE_URL (the API names the api function, which names the state machine,
// which names the steps: a circular dependency), so without a custom domain it
// writes the URL to an SSM parameter and names it in PAGE_URL_PARAMETER, for the
// functions that send links. A parameter that cannot be read is logged and the
// function runs on, its links relative: a notification never fails a step.
//
// Secrets: deploy-hook secrets and notification webhooks given as secret
// references resolve from the environment, SSM Parameter Store and Secrets
// Manager (internal/secretref), each time they are used.
//
// Deadlines: every handler runs on a context that ends DeadlineMargin (3 s, less
// for very short timeouts) before the invocation's deadline, and the SDK clients
// try a call at most MaxAttempts times, AttemptTimeout each, so that one call
// takes at most RetryBudget (52 s), inside the shortest step timeout (60 s) less
// the margin; the api function, which must answer within API Gateway's 30 s
// (its timeout is 29 s), tries at most APIMaxAttempts times, APIAttemptTimeout
// each (APIRetryBudget, 22 s). A store that does not answer thus ends a step with
// Transient, which the state machine retries, before Lambda would end it with a
// timeout; the state machine also retries the Lambda timeout itself
// (Sandbox.Timedout) on every step, a few times, since every step is safe to run
// again.
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

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/dynamo"
	"github.com/ferrydev/ferry/internal/httpapi"
	"github.com/ferrydev/ferry/internal/identity"
	"github.com/ferrydev/ferry/internal/notify"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/s3blob"
	"github.com/ferrydev/ferry/site"
)

// pageURLTimeout bounds reading PAGE_URL_PARAMETER.
const pageURLTimeout = 5 * time.Second

// discoveryTimeout bounds reading the OpenID provider's discovery document.
const discoveryTimeout = 3 * time.Second

// Config is a function's configuration.
type Config struct {
	Table            string
	PageURL          string
	PageURLParameter string
	StateMachineARN  string
	Admins           []string
	SubjectClaim     string
	GroupsClaim      string
	// UploadBucket is the S3 bucket releases are uploaded to (api function).
	UploadBucket string
	// OIDCIssuer and OIDCClientID are the OpenID provider the page signs in
	// with (api function); none when OIDCIssuer is empty.
	OIDCIssuer, OIDCClientID string
}

// FromEnv reads the configuration from environment variables.
func FromEnv() (Config, error) {
	cfg := Config{Table: os.Getenv("TABLE_NAME"), PageURL: os.Getenv("PAGE_URL"), PageURLParameter: os.Getenv("PAGE_URL_PARAMETER"), StateMachineARN: os.Getenv("STATE_MACHINE_ARN"),
		SubjectClaim: os.Getenv("SUBJECT_CLAIM"), GroupsClaim: os.Getenv("GROUPS_CLAIM"),
		UploadBucket: os.Getenv("UPLOAD_BUCKET"), OIDCIssuer: os.Getenv("OIDC_ISSUER"), OIDCClientID: os.Getenv("OIDC_CLIENT_ID")}
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

// Builder builds a function's handler from its configuration, for Start.
type Builder func(ctx context.Context, cfg Config, log *slog.Logger) (any, error)

// Start is a function's main: it reads the configuration, builds the handler and
// hands it to Lambda's Go runtime. Bad configuration, or a handler that cannot be
// built, is logged and ends the process, before any invocation.
func Start(build Builder) {
	log := lambdacontext.NewLogger()
	cfg, err := FromEnv()
	if err != nil {
		log.Error("bad configuration", "error", err)
		os.Exit(1)
	}
	handler, err := build(context.Background(), cfg, log)
	if err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}

// Step builds the handler of the pipeline step the state machine calls name, on
// DynamoDB, logged at its boundary.
func Step(name string) Builder {
	return func(ctx context.Context, cfg Config, log *slog.Logger) (any, error) {
		awsCfg, err := loadAWS(ctx, stepRetries())
		if err != nil {
			return nil, err
		}
		handler, ok := newPipeline(ctx, awsCfg, cfg, log).Handlers(log)[name]
		if !ok {
			return nil, fmt.Errorf("the pipeline has no step %q", name)
		}
		return pipeline.Handler(bounded(handler)), nil
	}
}

// Cleanup builds the scheduled cleanup (control.Service.Cleanup) on DynamoDB
// and Step Functions, logging what it did.
func Cleanup(ctx context.Context, cfg Config, log *slog.Logger) (any, error) {
	if cfg.StateMachineARN == "" {
		return nil, errors.New("STATE_MACHINE_ARN is not set")
	}
	awsCfg, err := loadAWS(ctx, stepRetries())
	if err != nil {
		return nil, err
	}
	pl := newPipeline(ctx, awsCfg, cfg, log)
	svc := &control.Service{Store: pl.Store, Now: time.Now, SFN: sfn.NewFromConfig(awsCfg), StateMachineARN: cfg.StateMachineARN}
	return func(ctx context.Context) (*pipeline.CleanupReport, error) {
		ctx, cancel := withinDeadline(ctx)
		defer cancel()
		report, err := svc.Cleanup(ctx, pl)
		pipeline.LogCleanup(ctx, log, report, err)
		return report, err
	}, nil
}

// APIFunction builds the api function's handler: API behind API Gateway's
// payload v2 events.
func APIFunction(ctx context.Context, cfg Config, log *slog.Logger) (any, error) {
	handler, err := API(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return bounded(httpadapter.NewV2(handler).ProxyWithContext), nil
}

// API builds the HTTP API and page handler for API Gateway: identities from the
// authorizers, operations on DynamoDB and Step Functions. Routes under /ci/ are
// the same API behind the IAM authorizer, for CI.
func API(ctx context.Context, cfg Config, log *slog.Logger) (http.Handler, error) {
	if cfg.StateMachineARN == "" {
		return nil, errors.New("STATE_MACHINE_ARN is not set")
	}
	if cfg.UploadBucket == "" {
		return nil, errors.New("UPLOAD_BUCKET is not set")
	}
	awsCfg, err := loadAWS(ctx, apiRetries())
	if err != nil {
		return nil, err
	}
	svc := &control.Service{Store: dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.Table), Now: time.Now,
		SFN: sfn.NewFromConfig(awsCfg), StateMachineARN: cfg.StateMachineARN, Notifier: notifier(awsCfg),
		PageURL: pageURL(ctx, awsCfg, cfg, log), Admins: cfg.Admins,
		Blobs: s3blob.New(s3.NewFromConfig(awsCfg), cfg.UploadBucket)}
	api := (&httpapi.Server{Control: svc, Auth: identity.Gateway{SubjectClaim: cfg.SubjectClaim, GroupsClaim: cfg.GroupsClaim},
		Site: site.Handler(), Log: log, OIDC: signIn(ctx, cfg, log)}).Handler()
	mux := http.NewServeMux()
	mux.Handle("/ci/api/", http.StripPrefix("/ci", api))
	mux.Handle("/", api)
	return mux, nil
}

// signIn is the OpenID provider the page signs in with, its token endpoint
// read from the issuer's discovery document if it can be (see Sign-in).
func signIn(ctx context.Context, cfg Config, log *slog.Logger) *httpapi.OIDC {
	if cfg.OIDCIssuer == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	endpoint, err := identity.TokenEndpoint(ctx, cfg.OIDCIssuer)
	if err != nil {
		log.Error("cannot read the OpenID provider's discovery document: the page may fetch from the issuer's origin only",
			"issuer", cfg.OIDCIssuer, "error", err)
	}
	return &httpapi.OIDC{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, TokenEndpoint: endpoint}
}

// newPipeline builds the pipeline on DynamoDB, resolving secret references in
// AWS too.
func newPipeline(ctx context.Context, awsCfg aws.Config, cfg Config, log *slog.Logger) *pipeline.Pipeline {
	pl := pipeline.New(dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.Table), time.Now, pageURL(ctx, awsCfg, cfg, log))
	pl.Secret = secrets(awsCfg).Resolve
	pl.Notifier = notifier(awsCfg)
	return pl
}

// notifier sends notifications, resolving webhooks given as secret references
// in AWS too.
func notifier(awsCfg aws.Config) *notify.Notifier {
	n := notify.New()
	n.Resolve = secrets(awsCfg).Resolve
	return n
}

// pageURL is the approval page's base URL: PAGE_URL, or else the value of the
// SSM parameter PAGE_URL_PARAMETER names, or else "" (links are then relative).
// A parameter that cannot be read within pageURLTimeout (the read happens
// while the function starts, which Lambda bounds at 10 s) is logged, not fatal.
func pageURL(ctx context.Context, awsCfg aws.Config, cfg Config, log *slog.Logger) string {
	if cfg.PageURL != "" || cfg.PageURLParameter == "" {
		return cfg.PageURL
	}
	ctx, cancel := context.WithTimeout(ctx, pageURLTimeout)
	defer cancel()
	out, err := ssm.NewFromConfig(awsCfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(cfg.PageURLParameter)})
	if err != nil || out.Parameter == nil {
		log.Error("cannot read the page URL: notifications will have relative links", "parameter", cfg.PageURLParameter, "error", err)
		return ""
	}
	return aws.ToString(out.Parameter.Value)
}
