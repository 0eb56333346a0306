package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/store"
)

// CreateEnvironment implements store.Store.
func (s *Store) CreateEnvironment(ctx context.Context, env *environment.Environment) error {
	if err := store.ValidateEnvironment(env); err != nil {
		return err
	}
	item, err := envItem(env, 1)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if conditionFailed(err) {
		return store.EnvironmentExistsError(env.Name)
	}
	if err != nil {
		return fmt.Errorf("creating environment %s: %w", env.Name, err)
	}
	env.Revision = 1
	return nil
}

// GetEnvironment implements store.Store.
func (s *Store) GetEnvironment(ctx context.Context, name string) (*environment.Environment, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: keyOf(envPK(name), skEnv), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("reading environment %s: %w", name, err)
	}
	if out.Item == nil {
		return nil, store.EnvironmentNotFoundError(name)
	}
	return decodeEnv(out.Item)
}

// SaveEnvironment implements store.Store: it reads the stored environment,
// copies env's settings onto it (store.SavedEnvironment) and writes it back if
// its revision is still the one env was read at.
func (s *Store) SaveEnvironment(ctx context.Context, env *environment.Environment) error {
	if err := store.ValidateEnvironment(env); err != nil {
		return err
	}
	cur, err := s.GetEnvironment(ctx, env.Name)
	if err != nil {
		return err
	}
	next, err := store.SavedEnvironment(cur, env)
	if err != nil {
		return err
	}
	data, err := envData(next)
	if err != nil {
		return err
	}
	u := newUpdate()
	u.set("#data", "data", str(data))
	u.add("#rev", "revision", num(1))
	if exp := expiryKey(next); exp != "" {
		u.set("#g2pk", "GSI2PK", str(gsiExpiry))
		u.set("#g2sk", "GSI2SK", str(exp))
	} else {
		u.remove("#g2pk", "GSI2PK")
		u.remove("#g2sk", "GSI2SK")
	}
	u.cond("attribute_exists(PK) AND #rev = :cur")
	u.values[":cur"] = num(env.Revision)
	_, err = s.db.UpdateItem(ctx, u.input(s.table, keyOf(envPK(env.Name), skEnv)))
	if conditionFailed(err) {
		if cur, err = s.GetEnvironment(ctx, env.Name); err != nil {
			return err
		}
		return store.EnvironmentChangedError(env.Name, cur.Revision, env.Revision)
	}
	if err != nil {
		return fmt.Errorf("saving environment %s: %w", env.Name, err)
	}
	env.Revision = next.Revision
	return nil
}

// DeleteEnvironment implements store.Store. The environment item goes first, in
// one delete conditioned as store.CheckDeletable; its history and deployments are
// removed after it.
func (s *Store) DeleteEnvironment(ctx context.Context, name string, now time.Time) error {
	env, err := s.GetEnvironment(ctx, name)
	if err != nil {
		return err
	}
	if err := store.CheckDeletable(env, now); err != nil {
		return err
	}
	_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: keyOf(envPK(name), skEnv),
		ConditionExpression:       aws.String("attribute_exists(PK) AND (attribute_not_exists(lock_holder) OR lock_expires <= :now)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.UnixNano())}})
	if conditionFailed(err) {
		return fault.Errorf(fault.Conflict, "environment %q changed while being deleted; try again", name)
	}
	if err != nil {
		return fmt.Errorf("deleting environment %s: %w", name, err)
	}
	var keys []map[string]types.AttributeValue
	err = s.queryAll(ctx, &dynamodb.QueryInput{TableName: s.table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :ver)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(envPK(name)), ":ver": str(skVersionPrefix)},
	}, func(item map[string]types.AttributeValue) error {
		keys = append(keys, keyOf(envPK(name), getS(item, "SK")))
		var e environment.VersionEntry
		if err := json.Unmarshal([]byte(getS(item, "data")), &e); err != nil {
			return err
		}
		parts, err := s.blobKeys(ctx, deployKey(name, e.Version, e.PromotionID))
		keys = append(keys, parts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("listing the history of %s: %w", name, err)
	}
	return s.batchDelete(ctx, keys)
}

// ListEnvironments implements store.Store.
func (s *Store) ListEnvironments(ctx context.Context) ([]*environment.Environment, error) {
	var envs []*environment.Environment
	err := s.queryAll(ctx, &dynamodb.QueryInput{TableName: s.table, IndexName: aws.String("GSI1"),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(gsiEnvs)},
	}, func(item map[string]types.AttributeValue) error {
		env, err := decodeEnv(item)
		envs = append(envs, env)
		return err
	})
	return envs, err
}

// ExpiredEnvironments implements store.Store.
func (s *Store) ExpiredEnvironments(ctx context.Context, now time.Time) ([]*environment.Environment, error) {
	var envs []*environment.Environment
	err := s.queryAll(ctx, &dynamodb.QueryInput{TableName: s.table, IndexName: aws.String("GSI2"),
		KeyConditionExpression:    aws.String("GSI2PK = :pk AND GSI2SK <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(gsiExpiry), ":now": str(timeKey(now))},
	}, func(item map[string]types.AttributeValue) error {
		env, err := decodeEnv(item)
		envs = append(envs, env)
		return err
	})
	return envs, err
}
