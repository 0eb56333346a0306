package lambdaenv

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/ferrydev/ferry/internal/secretref"
)

// How the functions' AWS SDK clients (DynamoDB, Step Functions, SSM, Secrets
// Manager) retry. The numbers are chosen so that one call, all its attempts
// timing out and every pause at its longest, takes at most its retry budget,
// which fits in the function's timeout (template.yaml) less DeadlineMargin: a
// store outage ends the call with an error the step returns as Transient, and the
// state machine, whose own retries wait up to 30 s between attempts, takes over.
// Throttling is retried the same way.
//
// The steps and the cleanup (timeouts of 60 s and more) use MaxAttempts,
// MaxBackoff and AttemptTimeout; the api function, whose timeout is 29 s to
// answer within API Gateway's 30 s, uses the API* values.
const (
	// MaxAttempts is how often the SDK tries one call.
	MaxAttempts = 4
	// MaxBackoff is the longest pause between two attempts.
	MaxBackoff = 4 * time.Second
	// AttemptTimeout bounds one attempt, from dialing to the end of the answer.
	// DynamoDB answers in milliseconds; the largest request Ferry sends (a batch of
	// release parts, about 9 MB) takes well under a second from Lambda.
	AttemptTimeout = 10 * time.Second
	// RetryBudget is the longest one call can take: 4 × 10 s + 3 × 4 s = 52 s.
	RetryBudget = MaxAttempts*AttemptTimeout + (MaxAttempts-1)*MaxBackoff

	// APIMaxAttempts is how often the api function's SDK tries one call.
	APIMaxAttempts = 3
	// APIMaxBackoff is the api function's longest pause between two attempts.
	APIMaxBackoff = 2 * time.Second
	// APIAttemptTimeout bounds one attempt of the api function.
	APIAttemptTimeout = 6 * time.Second
	// APIRetryBudget is the longest one call of the api function can take:
	// 3 × 6 s + 2 × 2 s = 22 s, inside 29 s less the margin.
	APIRetryBudget = APIMaxAttempts*APIAttemptTimeout + (APIMaxAttempts-1)*APIMaxBackoff
)

// retries is how a function's SDK clients retry.
type retries struct {
	attempts       int
	backoff, limit time.Duration // the longest pause; one attempt's timeout
}

// stepRetries and apiRetries are the two settings above.
func stepRetries() retries { return retries{MaxAttempts, MaxBackoff, AttemptTimeout} }
func apiRetries() retries  { return retries{APIMaxAttempts, APIMaxBackoff, APIAttemptTimeout} }

// loadAWS reads the AWS configuration from the environment (as in Lambda) with
// the retries and attempt timeout r.
func loadAWS(ctx context.Context, r retries) (aws.Config, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx,
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(r.limit)),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts, o.MaxBackoff = r.attempts, r.backoff
			})
		}))
	if err != nil {
		return awsCfg, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return awsCfg, nil
}

// secrets resolves secret references from the environment, SSM Parameter Store
// and Secrets Manager.
func secrets(awsCfg aws.Config) secretref.Resolver {
	return secretref.Resolver{SSM: ssm.NewFromConfig(awsCfg), SecretsManager: secretsmanager.NewFromConfig(awsCfg)}
}
