package dynamo

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// MaxAttempts is how often the client tries a request that was throttled or failed
// in passing, with the SDK's standard backoff.
const MaxAttempts = 8

// NewLocalClient returns a DynamoDB client for a local endpoint such as DynamoDB
// Local (tests, ferry local --dynamodb-endpoint), with static dummy credentials.
func NewLocalClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		Retryer:      retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = MaxAttempts }),
	})
}
