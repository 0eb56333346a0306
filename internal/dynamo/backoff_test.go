package dynamo

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// busyTable is a table every retry loop of the store meets: transactions always
// conflict with another, and batch writes, when unprocessed is set, leave every
// item unprocessed. Reads find environment prod at version 0. It ignores the
// context, so only the store's own back-off can notice one that ended.
type busyTable struct {
	API
	unprocessed  bool
	transactions int
	batches      int
}

func (b *busyTable) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	item, err := envItem(&environment.Environment{Name: "prod"}, 1)
	return &dynamodb.GetItemOutput{Item: item}, err
}

func (b *busyTable) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return &dynamodb.PutItemOutput{}, nil
}

func (b *busyTable) BatchWriteItem(_ context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	b.batches++
	if b.unprocessed {
		return &dynamodb.BatchWriteItemOutput{UnprocessedItems: in.RequestItems}, nil
	}
	return &dynamodb.BatchWriteItemOutput{}, nil
}

func (b *busyTable) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	b.transactions++
	reasons := make([]types.CancellationReason, switchItems)
	for i := range reasons {
		reasons[i].Code = aws.String("None")
	}
	reasons[switchEnv].Code = aws.String("TransactionConflict")
	return nil, &types.TransactionCanceledException{Message: aws.String("conflict"), CancellationReasons: reasons}
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestSwitchBackOffEndsWithTheContext: a switch that meets a transaction conflict
// stops at its first pause when the context has ended, with the context's error.
func TestSwitchBackOffEndsWithTheContext(t *testing.T) {
	table := &busyTable{}
	_, err := New(table, "t").Switch(cancelled(), store.SwitchRequest{Environment: "prod", ReleaseID: "sha256:r", PromotionID: "p1",
		State: promotion.Verifying, Kind: environment.Promote})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Switch with a cancelled context: %v, want context.Canceled", err)
	}
	if table.transactions != 1 {
		t.Errorf("%d transactions tried, want 1: the back-off must not outlast the context", table.transactions)
	}
}

// TestBatchWriteBackOffEndsWithTheContext: a batch write whose items stay
// unprocessed stops at its first pause when the context has ended.
func TestBatchWriteBackOffEndsWithTheContext(t *testing.T) {
	table := &busyTable{unprocessed: true}
	err := New(table, "t").batchDelete(cancelled(), []map[string]types.AttributeValue{keyOf("ENV#prod", "VER#1")})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("batch write with a cancelled context: %v, want context.Canceled", err)
	}
	if table.batches != 1 {
		t.Errorf("%d batch writes tried, want 1", table.batches)
	}
}
