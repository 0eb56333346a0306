package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ferrydev/ferry/internal/store"
)

// queryAll runs a query to the end, calling each for every item.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput, each func(map[string]types.AttributeValue) error) error {
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, item := range out.Items {
			if err := each(item); err != nil {
				return err
			}
		}
	}
	return nil
}

// page runs one page of a list query: page.Size() items after the token, and the
// token of the next page when there is one. It asks for one item more than the page
// holds, so that "no token" reliably means "no more".
func (s *Store) page(ctx context.Context, in *dynamodb.QueryInput, page store.Page, keys []string) ([]map[string]types.AttributeValue, string, error) {
	size := page.Size()
	partition := keys[len(keys)-2] // the queried partition key attribute
	want := getS(in.ExpressionAttributeValues, ":pk")
	if page.Token != "" {
		start, err := decodeToken(page.Token, keys, partition, want)
		if err != nil {
			return nil, "", err
		}
		in.ExclusiveStartKey = start
	}
	var items []map[string]types.AttributeValue
	for len(items) <= size {
		in.Limit = aws.Int32(int32(size + 1 - len(items)))
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("listing: %w", err)
		}
		items = append(items, out.Items...)
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if len(items) <= size {
		return items, "", nil
	}
	items = items[:size]
	return items, encodeToken(items[size-1], keys), nil
}

// batchDelete deletes the items with keys, in batches.
func (s *Store) batchDelete(ctx context.Context, keys []map[string]types.AttributeValue) error {
	var reqs []types.WriteRequest
	for _, k := range keys {
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
	}
	return s.batchWrite(ctx, reqs)
}

// batchWrite writes in batches of 25, retrying what DynamoDB leaves unprocessed.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) error {
	for len(reqs) > 0 {
		n := min(25, len(reqs))
		pending := map[string][]types.WriteRequest{aws.ToString(s.table): slices.Clone(reqs[:n])}
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 0 {
				if err := pause(ctx, time.Duration(attempt*attempt)*20*time.Millisecond); err != nil {
					return fmt.Errorf("batch write: %w", err)
				}
			}
			if attempt == 10 {
				return errors.New("batch write: items left unprocessed after 10 attempts")
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("batch write: %w", err)
			}
			pending = out.UnprocessedItems
		}
		reqs = reqs[n:]
	}
	return nil
}

// conditionFailed reports whether err is a failed condition of a single-item write.
func conditionFailed(err error) bool {
	var c *types.ConditionalCheckFailedException
	return errors.As(err, &c)
}

// encodeToken makes a page token of an item's key attributes.
func encodeToken(item map[string]types.AttributeValue, keys []string) string {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = getS(item, k)
	}
	b, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken reads a page token back into an ExclusiveStartKey, refusing one
// that does not belong to the list asked for.
func decodeToken(token string, keys []string, partition, want string) (map[string]types.AttributeValue, error) {
	bad := store.BadTokenError(token)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, bad
	}
	var m map[string]string
	if json.Unmarshal(raw, &m) != nil || len(m) != len(keys) || m[partition] != want {
		return nil, bad
	}
	start := make(map[string]types.AttributeValue, len(keys))
	for _, k := range keys {
		v, ok := m[k]
		if !ok || v == "" {
			return nil, bad
		}
		start[k] = str(v)
	}
	return start, nil
}

// pause waits d before a retry, or less when ctx ends first, and then returns
// ctx's error.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("waiting to retry: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}
