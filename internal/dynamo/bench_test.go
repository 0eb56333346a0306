package dynamo

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ferrydev/ferry/internal/store/storetest"
)

// BenchmarkPromotion: the store operations of one typical promotion, with the
// DynamoDB requests and capacity units they cost (reported per promotion).
func BenchmarkPromotion(b *testing.B) {
	client := NewLocalClient(endpoint(b))
	counter := &counting{API: client}
	storetest.BenchmarkPromotion(b, New(counter, newTable(b, client)))
	b.ReportMetric(float64(counter.requests)/float64(b.N), "requests/op")
	b.ReportMetric(counter.read/float64(b.N), "RCU/op")
	b.ReportMetric(counter.write/float64(b.N), "WCU/op")
}

// counting passes requests on to DynamoDB, asking each for its consumed capacity
// and adding it up.
type counting struct {
	API
	mu          sync.Mutex
	requests    int
	read, write float64
}

func (c *counting) count(write bool, used ...types.ConsumedCapacity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	for _, u := range used {
		if write {
			c.write += aws.ToFloat64(u.CapacityUnits)
		} else {
			c.read += aws.ToFloat64(u.CapacityUnits)
		}
	}
}

func one(u *types.ConsumedCapacity) []types.ConsumedCapacity {
	if u == nil {
		return nil
	}
	return []types.ConsumedCapacity{*u}
}

func (c *counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.API.GetItem(ctx, in, o...)
	if err == nil {
		c.count(false, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *counting) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.API.Query(ctx, in, o...)
	if err == nil {
		c.count(false, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.API.PutItem(ctx, in, o...)
	if err == nil {
		c.count(true, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *counting) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.API.UpdateItem(ctx, in, o...)
	if err == nil {
		c.count(true, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *counting) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.API.DeleteItem(ctx, in, o...)
	if err == nil {
		c.count(true, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *counting) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.API.BatchWriteItem(ctx, in, o...)
	if err == nil {
		c.count(true, out.ConsumedCapacity...)
	}
	return out, err
}

func (c *counting) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.API.TransactWriteItems(ctx, in, o...)
	if err == nil {
		c.count(true, out.ConsumedCapacity...)
	}
	return out, err
}
