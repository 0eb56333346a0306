package local

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// NewSFNClient returns the AWS SDK's Step Functions client for an emulator
// served at endpoint, signing with creds.
func NewSFNClient(endpoint string, creds Credentials) *sfn.Client {
	return sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "")})
}

// SFNClient returns a Step Functions client for the system's emulator, signing
// with its credentials, as a client outside the process would.
func (s *System) SFNClient() *sfn.Client { return NewSFNClient(s.SFNEndpoint, s.SFNCredentials) }
