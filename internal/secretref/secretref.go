// Package secretref resolves secret references: the names under which a policy
// points at a secret it must not hold, such as a deploy hook's signing secret or
// a notification webhook's URL.
//
// A reference is one of:
//
//	env:NAME                   the environment variable NAME
//	ssm:/path/name             an SSM Parameter Store parameter, decrypted (SecureString)
//	secretsmanager:name-or-arn a Secrets Manager secret's current value (string or binary)
//
// In AWS the template grants the functions the parameters and secrets under one
// prefix only (its SecretsPrefix parameter); ferry local resolves env: references
// only, having no AWS clients. References are resolved each time they are used,
// never cached: a rotated secret takes effect at once.
//
// Errors end up in promotion records, which everyone reads: they give the kind of
// the reference and, for AWS, the error code only, never the reference's name nor
// the service's message (which repeats the resource's ARN).
package secretref

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
)

// Kinds of reference, the part before the first colon.
const (
	Env            = "env"
	SSM            = "ssm"
	SecretsManager = "secretsmanager"
)

// Parse splits a reference into its kind and name; ok is false for anything
// that is not a reference of a known kind with a name (an ssm: name starts
// with "/").
func Parse(ref string) (kind, name string, ok bool) {
	kind, name, found := strings.Cut(ref, ":")
	if !found || name == "" {
		return "", "", false
	}
	switch kind {
	case Env, SecretsManager:
		return kind, name, true
	case SSM:
		return kind, name, strings.HasPrefix(name, "/") && len(name) > 1
	}
	return "", "", false
}

// ParameterStore is the part of the SSM API a Resolver uses; *ssm.Client has it.
type ParameterStore interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// SecretStore is the part of the Secrets Manager API a Resolver uses;
// *secretsmanager.Client has it.
type SecretStore interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Resolver resolves references. Either client may be nil: references of its
// kind are then refused.
type Resolver struct {
	SSM            ParameterStore
	SecretsManager SecretStore
}

// Resolve returns the value ref names; an empty value is an error.
func (r Resolver) Resolve(ctx context.Context, ref string) ([]byte, error) {
	kind, name, ok := Parse(ref)
	if !ok {
		return nil, errors.New("the secret reference is not one: use env:NAME, ssm:/path or secretsmanager:name")
	}
	var value []byte
	switch kind {
	case Env:
		value = []byte(os.Getenv(name))
	case SSM:
		if r.SSM == nil {
			return nil, errors.New("ssm: secret references are resolved in AWS only; use env:NAME here")
		}
		out, err := r.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
		if err != nil {
			return nil, fmt.Errorf("reading the ssm: secret reference: %s", code(err))
		}
		if out.Parameter != nil {
			value = []byte(aws.ToString(out.Parameter.Value))
		}
	case SecretsManager:
		if r.SecretsManager == nil {
			return nil, errors.New("secretsmanager: secret references are resolved in AWS only; use env:NAME here")
		}
		out, err := r.SecretsManager.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
		if err != nil {
			return nil, fmt.Errorf("reading the secretsmanager: secret reference: %s", code(err))
		}
		value = out.SecretBinary
		if out.SecretString != nil {
			value = []byte(*out.SecretString)
		}
	}
	if len(value) == 0 {
		return nil, fmt.Errorf("the %s: secret reference names nothing that is set", kind)
	}
	return value, nil
}

// code is what an error from AWS may say in a record everyone reads: its error
// code (AccessDeniedException, ParameterNotFound...), or that the call failed.
func code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "no answer in time"
	}
	return "the call failed"
}
