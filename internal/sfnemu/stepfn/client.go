package stepfn

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// NewLocalClient returns the AWS SDK's Step Functions client for an emulator
// served at endpoint, with dummy credentials (the emulator accepts any).
func NewLocalClient(endpoint string) *sfn.Client {
	return sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
}
