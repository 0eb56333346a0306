package dynamo

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ferrydev/ferry/internal/store"
	"github.com/ferrydev/ferry/internal/store/storetest"
)

// endpoint returns DynamoDB Local's address, which make test provides. Without
// it the test fails in CI and is skipped elsewhere.
func endpoint(tb testing.TB) string {
	tb.Helper()
	ep := os.Getenv("FERRY_DYNAMODB_ENDPOINT")
	if ep == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("FERRY_DYNAMODB_ENDPOINT is not set: CI must run the DynamoDB tests (make test starts DynamoDB Local)")
		}
		tb.Skip("DynamoDB Local is not running: run `make test`, or infra/with-dynamodb-local.sh go test ./internal/dynamo")
	}
	return ep
}

var tables atomic.Int64

// newTable creates a fresh table, defined by template.yaml, in DynamoDB Local.
func newTable(tb testing.TB, client *dynamodb.Client) string {
	tb.Helper()
	name := fmt.Sprintf("ferry-test-%d-%d", time.Now().UnixNano(), tables.Add(1))
	if err := CreateTable(context.Background(), client, name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

func TestConformance(t *testing.T) {
	client := NewLocalClient(endpoint(t))
	storetest.Run(t, func(tb testing.TB) store.Store {
		return New(client, newTable(tb, client))
	})
}

func TestTableDefinitionComesFromTheTemplate(t *testing.T) {
	in, ttl, err := TableDefinition("t")
	if err != nil {
		t.Fatal(err)
	}
	var indexes []string
	for _, g := range in.GlobalSecondaryIndexes {
		indexes = append(indexes, aws.ToString(g.IndexName))
	}
	if aws.ToString(in.KeySchema[0].AttributeName) != "PK" || aws.ToString(in.KeySchema[1].AttributeName) != "SK" ||
		!slices.Equal(indexes, []string{"GSI1", "GSI2"}) || ttl != "ttl" || in.BillingMode != "PAY_PER_REQUEST" {
		t.Errorf("table from template: keys %v, indexes %v, ttl %q, billing %s", in.KeySchema, indexes, ttl, in.BillingMode)
	}
	if _, err := templateTable([]byte("Resources:\n  Table:\n    Type: AWS::S3::Bucket\n")); err == nil {
		t.Error("a template whose Table is not a DynamoDB table was accepted")
	}
}
