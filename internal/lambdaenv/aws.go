package lambdaenv

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
)

// How the functions' AWS SDK clients (DynamoDB, Step Functions) retry. The
// numbers are chosen so that one call, all its attempts timing out and every pause
// at its longest, takes at most RetryBudget, which fits in the shortest function
// timeout (60 s, template.yaml) less DeadlineMargin: a store outage ends the call
// with an error the step returns as Transient, and the state machine, whose own
// retries wait up to 30 s between attempts, takes over. Throttling is retried the
// same way.
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
)

// loadAWS reads the AWS configuration from the environment (as in Lambda) with
// the retries and attempt timeout above.
func loadAWS(ctx context.Context) (aws.Config, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx,
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(AttemptTimeout)),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts, o.MaxBackoff = MaxAttempts, MaxBackoff
			})
		}))
	if err != nil {
		return awsCfg, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return awsCfg, nil
}
