package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ferrydev/ferry/internal/store"
)

// partSize is the most bytes of a blob one item holds; items are limited to 400 KB.
const partSize = 350_000

// skMeta is the item that says a blob is complete: written after its parts, it
// holds their count. Checks and expiry act on it alone, since a transaction pays
// for the whole size of every item it touches.
const skMeta = "META"

// putBlob writes data, compressed, as parts under key and then the blob's META item,
// and returns how many parts it took. With expires, the META item carries the ttl
// attribute, and the blob counts as missing once it expires.
func (s *Store) putBlob(ctx context.Context, key string, data []byte, expires *time.Time) (int, error) {
	packed, err := store.Compress(data)
	if err != nil {
		return 0, err
	}
	n := max(1, (len(packed)+partSize-1)/partSize)
	var reqs []types.WriteRequest
	for i := range n {
		part := packed[i*partSize : min(len(packed), (i+1)*partSize)]
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: withKey(keyOf(blobPK(key), partSK(i)),
			map[string]types.AttributeValue{"data": &types.AttributeValueMemberB{Value: part}})}})
	}
	if err := s.batchWrite(ctx, reqs); err != nil {
		return 0, fmt.Errorf("storing %s: %w", key, err)
	}
	meta := withKey(keyOf(blobPK(key), skMeta), map[string]types.AttributeValue{"parts": num(int64(n))})
	if expires != nil {
		meta["ttl"] = num(expires.Unix())
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: meta}); err != nil {
		return 0, fmt.Errorf("storing %s: %w", key, err)
	}
	return n, nil
}

// blobExists reports whether a complete blob is stored under key.
func (s *Store) blobExists(ctx context.Context, key string) (bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: keyOf(blobPK(key), skMeta),
		ProjectionExpression: aws.String("PK")})
	if err != nil {
		return false, fmt.Errorf("checking %s: %w", key, err)
	}
	return out.Item != nil, nil
}

// putImmutable stores the blob content() under key unless it is there already.
func (s *Store) putImmutable(ctx context.Context, key string, content func() ([]byte, error)) error {
	exists, err := s.blobExists(ctx, key)
	if err != nil || exists {
		return err
	}
	data, err := content()
	if err != nil {
		return err
	}
	_, err = s.putBlob(ctx, key, data, nil)
	return err
}

// getBlob reads and joins the parts of a complete blob, or returns missing when
// there is none.
func (s *Store) getBlob(ctx context.Context, key string, missing error) ([]byte, error) {
	var packed []byte
	parts, want := 0, int64(-1)
	err := s.queryAll(ctx, &dynamodb.QueryInput{TableName: s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(blobPK(key))},
	}, func(item map[string]types.AttributeValue) error {
		if getS(item, "SK") == skMeta { // sorts before the parts
			want = getN(item, "parts")
			return nil
		}
		b, ok := item["data"].(*types.AttributeValueMemberB)
		if !ok {
			return fmt.Errorf("part %s has no data", getS(item, "SK"))
		}
		packed = append(packed, b.Value...)
		parts++
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	if want < 0 {
		return nil, missing
	}
	if int64(parts) != want {
		return nil, fmt.Errorf("reading %s: %d of %d parts are stored", key, parts, want)
	}
	data, err := store.Decompress(packed)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	return data, nil
}

// blobKeys lists the keys of a blob's parts, for deleting them.
func (s *Store) blobKeys(ctx context.Context, key string) ([]map[string]types.AttributeValue, error) {
	var keys []map[string]types.AttributeValue
	err := s.queryAll(ctx, &dynamodb.QueryInput{TableName: s.table, ProjectionExpression: aws.String("PK, SK"),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(blobPK(key))},
	}, func(item map[string]types.AttributeValue) error {
		keys = append(keys, keyOf(getS(item, "PK"), getS(item, "SK")))
		return nil
	})
	return keys, err
}
