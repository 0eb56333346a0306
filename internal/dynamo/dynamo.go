// Package dynamo keeps Ferry's state in one DynamoDB table (single-table design),
// implementing store.Store for AWS. The table is defined once, in template.yaml
// (see TableDefinition).
//
// Items (PK / SK, then the index keys they carry):
//
//	environment   ENV#<name> / ENV            GSI1 ENVS / <name>
//	                                          GSI2 EXPIRY / <expires>        (ephemeral only)
//	version       ENV#<name> / VER#<version>
//	promotion     PROMO#<id> / PROMO          GSI1 ENVPROMO#<target> / <created>#<id>
//	                                          GSI2 PENDING / <created>#<id>  (awaiting approval only)
//	event         PROMO#<id> / EVENT#<seq>
//	blob part     BLOB#<key> / PART#<n>       releases (REL#<id>), plans (PLAN#<digest>) and
//	                                          deployments (DEPLOY#<env>#<version>#<promotion>)
//
// Access patterns:
//   - environment by name: GetItem ENV#name/ENV;
//   - what is live where: Query GSI1 ENVS;
//   - expired ephemeral environments: Query GSI2 EXPIRY, sort key <= now;
//   - environment history, newest first: Query ENV#name, SK begins_with VER#, descending;
//   - promotion with its events: Query PROMO#id (one request);
//   - promotions by environment, newest first: Query GSI1 ENVPROMO#env, descending;
//   - pending approvals, oldest first: Query GSI2 PENDING;
//   - a release, plan or deployment: Query BLOB#key.
//
// Times in sort keys are zero-padded Unix nanoseconds, so they sort as numbers. Page
// tokens are the base64url of the last item's keys; lists fetch one item more than
// asked, so a page with a token always has a successor.
//
// Blobs (releases, plans, deployments) are gzipped and split into parts of at most
// 350 KB (items are limited to 400 KB), then a small META item holding the number
// of parts is written: its presence means the blob is complete.
//
// Atomicity: a switch is one TransactWriteItems: the environment, conditioned on its
// version; the history entry; the promotion's state; a check that the release's
// META exists; and clearing the ttl of the new deployment's META. The deployment is
// written before, with that ttl, so the deployment of a switch that loses a race
// expires as a whole (its parts stay, unread, until cleanup removes them; the
// environment lock makes such races rare). Decisions are one conditional UpdateItem
// that returns the promotion as it is after it.
// Throttling is retried by the SDK client's retryer (see NewLocalClient), and
// transaction conflicts by Switch.
package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/store"
)

// API is the part of the DynamoDB client the store uses.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store is the DynamoDB store.
type Store struct {
	db    API
	table *string
}

var _ store.Store = (*Store)(nil)

// New returns a store on table, through client.
func New(client API, table string) *Store {
	return &Store{db: client, table: aws.String(table)}
}

// Close implements store.Store; the client needs no closing.
func (s *Store) Close() error { return nil }

// deployTTL is how long a deployment's parts live unless a switch commits them.
const deployTTL = 24 * time.Hour

// switchAttempts bounds the retries of a switch that meets a transaction conflict.
const switchAttempts = 10

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
		return fault.Errorf(fault.Conflict, "environment %q already exists", env.Name)
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
		return nil, fault.Errorf(fault.NotFound, "environment %q not found", name)
	}
	return decodeEnv(out.Item)
}

// SaveEnvironment implements store.Store.
func (s *Store) SaveEnvironment(ctx context.Context, env *environment.Environment) error {
	if err := store.ValidateEnvironment(env); err != nil {
		return err
	}
	data, err := envData(env)
	if err != nil {
		return err
	}
	u := newUpdate()
	u.set("#data", "data", str(data))
	u.add("#rev", "revision", num(1))
	if exp := expiryKey(env); exp != "" {
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
		cur, gerr := s.GetEnvironment(ctx, env.Name)
		if gerr != nil {
			return gerr
		}
		return fault.Errorf(fault.Conflict, "environment %q changed since it was read (revision %d, not %d)", env.Name, cur.Revision, env.Revision)
	}
	if err != nil {
		return fmt.Errorf("saving environment %s: %w", env.Name, err)
	}
	env.Revision++
	return nil
}

// DeleteEnvironment implements store.Store. The environment item goes first, in
// one conditional delete; its history and deployments are removed after it.
func (s *Store) DeleteEnvironment(ctx context.Context, name string, now time.Time) error {
	env, err := s.GetEnvironment(ctx, name)
	if err != nil {
		return err
	}
	if env.Lock.Held(now) {
		return fault.Errorf(fault.Conflict, "environment %q is locked by promotion %s", name, env.Lock.Holder)
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

// AcquireLock implements store.Store: take a free or expired lock, else renew one
// the holder has, else report who has it.
func (s *Store) AcquireLock(ctx context.Context, env, holder string, now time.Time, lease time.Duration) (*environment.Lock, error) {
	expires := now.Add(lease)
	take := newUpdate()
	take.set("#h", "lock_holder", str(holder))
	take.set("#s", "lock_since", num(now.UnixNano()))
	take.set("#e", "lock_expires", num(expires.UnixNano()))
	take.add("#rev", "revision", num(1))
	take.values[":now"] = num(now.UnixNano())
	take.cond("attribute_exists(PK) AND (attribute_not_exists(#h) OR #e <= :now)")
	_, err := s.db.UpdateItem(ctx, take.input(s.table, keyOf(envPK(env), skEnv)))
	if err == nil {
		return &environment.Lock{Holder: holder, Since: now, Expires: expires}, nil
	}
	if !conditionFailed(err) {
		return nil, fmt.Errorf("locking %s: %w", env, err)
	}
	renew := newUpdate()
	renew.set("#e", "lock_expires", num(expires.UnixNano()))
	renew.add("#rev", "revision", num(1))
	renew.names["#h"] = "lock_holder"
	renew.values[":holder"] = str(holder)
	renew.cond("attribute_exists(PK) AND #h = :holder")
	in := renew.input(s.table, keyOf(envPK(env), skEnv))
	in.ReturnValues = types.ReturnValueAllNew
	out, err := s.db.UpdateItem(ctx, in)
	if err == nil {
		return &environment.Lock{Holder: holder, Since: time.Unix(0, getN(out.Attributes, "lock_since")).UTC(), Expires: expires}, nil
	}
	if !conditionFailed(err) {
		return nil, fmt.Errorf("renewing the lock on %s: %w", env, err)
	}
	cur, err := s.GetEnvironment(ctx, env)
	if err != nil {
		return nil, err
	}
	if cur.Lock == nil {
		return nil, fault.Errorf(fault.Conflict, "environment %q lock changed hands while being taken; try again", env)
	}
	state := "unknown state"
	if p, err := s.getPromotionItem(ctx, cur.Lock.Holder); err == nil {
		state = string(p.State)
	}
	return nil, store.LockedError(env, cur.Lock, state)
}

// ReleaseLock implements store.Store.
func (s *Store) ReleaseLock(ctx context.Context, env, holder string) error {
	u := newUpdate()
	u.remove("#h", "lock_holder")
	u.remove("#s", "lock_since")
	u.remove("#e", "lock_expires")
	u.add("#rev", "revision", num(1))
	u.values[":holder"] = str(holder)
	u.cond("#h = :holder")
	_, err := s.db.UpdateItem(ctx, u.input(s.table, keyOf(envPK(env), skEnv)))
	if conditionFailed(err) {
		_, err := s.GetEnvironment(ctx, env) // not_found, or a lock one does not hold: no-op
		return err
	}
	if err != nil {
		return fmt.Errorf("unlocking %s: %w", env, err)
	}
	return nil
}

// Switch implements store.Store.
func (s *Store) Switch(ctx context.Context, req store.SwitchRequest) (*environment.VersionEntry, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	entry := req.Entry()
	blob := deployKey(req.Environment, entry.Version, req.PromotionID)
	stored := false
	for attempt := 1; ; attempt++ {
		env, err := s.GetEnvironment(ctx, req.Environment)
		if err != nil {
			return nil, err
		}
		if env.Version != req.BaseVersion {
			if env.Current != nil && env.Current.PromotionID == req.PromotionID && env.Version == req.BaseVersion+1 {
				return s.version(ctx, req.Environment, env.Version) // a retry of a switch that happened
			}
			return nil, store.StaleError(req.Environment, env.Version, req.BaseVersion)
		}
		if !stored {
			refs, err := json.Marshal(req.Nodes)
			if err != nil {
				return nil, err
			}
			expires := req.At.Add(deployTTL)
			if _, err = s.putBlob(ctx, blob, refs, &expires); err != nil {
				return nil, err
			}
			stored = true
		}
		err = s.switchTransaction(ctx, req, entry, blob)
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			if err != nil {
				return nil, fmt.Errorf("switching %s: %w", req.Environment, err)
			}
			return &entry, nil
		}
		reasons := canceled.CancellationReasons
		switch {
		case reasonIs(reasons, 2, "ConditionalCheckFailed"):
			p, err := s.GetPromotion(ctx, req.PromotionID)
			if err != nil {
				return nil, err
			}
			return nil, store.EndedError(p)
		case reasonIs(reasons, 3, "ConditionalCheckFailed"):
			return nil, fault.Errorf(fault.Invalid, "release %s is not stored", req.ReleaseID)
		case attempt == switchAttempts:
			return nil, fmt.Errorf("switching %s: %w", req.Environment, err)
		}
		// The environment moved on (the next read reports it as stale) or another
		// transaction touched the same items: try again after a pause.
		time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
	}
}

func (s *Store) switchTransaction(ctx context.Context, req store.SwitchRequest, entry environment.VersionEntry, blob string) error {
	current, err := json.Marshal(environment.Deployment{Version: entry.Version, ReleaseID: entry.ReleaseID,
		PromotionID: entry.PromotionID, At: entry.At, By: entry.By})
	if err != nil {
		return err
	}
	entryJSON, err := json.Marshal(entry)
	if err != nil {
		return err
	}
	env := newUpdate()
	env.set("#v", "version", num(entry.Version))
	env.set("#c", "current", str(string(current)))
	env.add("#rev", "revision", num(1))
	env.values[":base"] = num(req.BaseVersion)
	env.cond("attribute_exists(PK) AND #v = :base")

	promo := newUpdate()
	promo.set("#st", "state", str(string(req.State)))
	promo.set("#u", "updated_at", num(req.At.UnixNano()))
	promo.add("#rev", "revision", num(1))
	if req.State != promotion.AwaitingApproval {
		promo.remove("#g2pk", "GSI2PK")
		promo.remove("#g2sk", "GSI2SK")
	}
	var ended []string
	for i, st := range promotion.EndStates {
		v := fmt.Sprintf(":end%d", i)
		promo.values[v], ended = str(string(st)), append(ended, v)
	}
	promo.cond("attribute_exists(PK) AND NOT (#st IN (" + strings.Join(ended, ", ") + "))")

	items := []types.TransactWriteItem{
		{Update: env.transact(s.table, keyOf(envPK(req.Environment), skEnv))},
		{Put: &types.Put{TableName: s.table, ConditionExpression: aws.String("attribute_not_exists(PK)"),
			Item: withKey(keyOf(envPK(req.Environment), versionSK(entry.Version)), map[string]types.AttributeValue{"data": str(string(entryJSON))})}},
		{Update: promo.transact(s.table, keyOf(promoPK(req.PromotionID), skPromo))},
		{ConditionCheck: &types.ConditionCheck{TableName: s.table, Key: keyOf(blobPK(releaseKey(req.ReleaseID)), skMeta),
			ConditionExpression: aws.String("attribute_exists(PK)")}},
		{Update: &types.Update{TableName: s.table, Key: keyOf(blobPK(blob), skMeta),
			UpdateExpression: aws.String("REMOVE #ttl"), ExpressionAttributeNames: map[string]string{"#ttl": "ttl"}}},
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items,
		ClientRequestToken: aws.String(clientToken(aws.ToString(s.table), req.Environment, entry.Version, req.PromotionID))})
	return err
}

func reasonIs(reasons []types.CancellationReason, i int, code string) bool {
	return i < len(reasons) && aws.ToString(reasons[i].Code) == code
}

func (s *Store) version(ctx context.Context, env string, version int64) (*environment.VersionEntry, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: keyOf(envPK(env), versionSK(version)), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("reading version %d of %s: %w", version, env, err)
	}
	if out.Item == nil {
		return nil, fault.Errorf(fault.NotFound, "environment %q has no version %d", env, version)
	}
	var e environment.VersionEntry
	return &e, json.Unmarshal([]byte(getS(out.Item, "data")), &e)
}

// History implements store.Store.
func (s *Store) History(ctx context.Context, env string, page store.Page) ([]environment.VersionEntry, string, error) {
	items, next, err := s.page(ctx, &dynamodb.QueryInput{TableName: s.table, ScanIndexForward: aws.Bool(false), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :ver)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(envPK(env)), ":ver": str(skVersionPrefix)},
	}, page, tableKeys)
	if err != nil {
		return nil, "", err
	}
	entries := make([]environment.VersionEntry, len(items))
	for i, item := range items {
		if err := json.Unmarshal([]byte(getS(item, "data")), &entries[i]); err != nil {
			return nil, "", fmt.Errorf("reading the history of %s: %w", env, err)
		}
	}
	return entries, next, nil
}

// Deployment implements store.Store.
func (s *Store) Deployment(ctx context.Context, env string, version int64) ([]environment.NodeRef, error) {
	e, err := s.version(ctx, env, version)
	if err != nil {
		return nil, err
	}
	data, err := s.getBlob(ctx, deployKey(env, version, e.PromotionID))
	if err != nil {
		return nil, err
	}
	var refs []environment.NodeRef
	return refs, json.Unmarshal(data, &refs)
}

// PutRelease implements store.Store.
func (s *Store) PutRelease(ctx context.Context, r *release.Release) error {
	return s.putImmutable(ctx, releaseKey(r.ID()), func() ([]byte, error) { return release.Canonical(r), nil })
}

// GetRelease implements store.Store.
func (s *Store) GetRelease(ctx context.Context, id string) (*release.Release, error) {
	data, err := s.getBlob(ctx, releaseKey(id))
	if fault.ErrorCode(err) == fault.NotFound {
		return nil, fault.Errorf(fault.NotFound, "release %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	return store.DecodeRelease(id, data)
}

// ReleaseExists implements store.Store.
func (s *Store) ReleaseExists(ctx context.Context, id string) (bool, error) {
	return s.blobExists(ctx, releaseKey(id))
}

// PutPlan implements store.Store.
func (s *Store) PutPlan(ctx context.Context, p *plan.Plan) error {
	return s.putImmutable(ctx, planKey(p.Digest), func() ([]byte, error) { return json.Marshal(p) })
}

// GetPlan implements store.Store.
func (s *Store) GetPlan(ctx context.Context, digest string) (*plan.Plan, error) {
	data, err := s.getBlob(ctx, planKey(digest))
	if fault.ErrorCode(err) == fault.NotFound {
		return nil, fault.Errorf(fault.NotFound, "plan %s not found", digest)
	}
	if err != nil {
		return nil, err
	}
	var p plan.Plan
	return &p, json.Unmarshal(data, &p)
}

// CreatePromotion implements store.Store.
func (s *Store) CreatePromotion(ctx context.Context, p *promotion.Promotion) error {
	if err := store.ValidatePromotion(p); err != nil {
		return err
	}
	item, err := promoItem(p, 1)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if conditionFailed(err) {
		return fault.Errorf(fault.Conflict, "promotion %q already exists", p.ID)
	}
	if err != nil {
		return fmt.Errorf("creating promotion %s: %w", p.ID, err)
	}
	p.Revision = 1
	return nil
}

// GetPromotion implements store.Store: the promotion and its events in one query.
func (s *Store) GetPromotion(ctx context.Context, id string) (*promotion.Promotion, error) {
	var p *promotion.Promotion
	var events []promotion.Event
	err := s.queryAll(ctx, &dynamodb.QueryInput{TableName: s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(promoPK(id))},
	}, func(item map[string]types.AttributeValue) error {
		if getS(item, "SK") == skPromo {
			var err error
			p, err = decodePromo(item)
			return err
		}
		var e promotion.Event
		if err := json.Unmarshal([]byte(getS(item, "data")), &e); err != nil {
			return err
		}
		events = append(events, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading promotion %s: %w", id, err)
	}
	if p == nil {
		return nil, fault.Errorf(fault.NotFound, "promotion %q not found", id)
	}
	p.Events = events
	return p, nil
}

func (s *Store) getPromotionItem(ctx context.Context, id string) (*promotion.Promotion, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: keyOf(promoPK(id), skPromo), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("reading promotion %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, fault.Errorf(fault.NotFound, "promotion %q not found", id)
	}
	return decodePromo(out.Item)
}

// SavePromotion implements store.Store.
func (s *Store) SavePromotion(ctx context.Context, p *promotion.Promotion) error {
	data, err := promoData(p)
	if err != nil {
		return err
	}
	u := newUpdate()
	u.set("#data", "data", str(data))
	u.set("#st", "state", str(string(p.State)))
	u.set("#u", "updated_at", num(p.UpdatedAt.UnixNano()))
	if p.TaskToken != "" {
		u.set("#tt", "task_token", str(p.TaskToken))
	} else {
		u.remove("#tt", "task_token")
	}
	if p.State == promotion.AwaitingApproval {
		u.set("#g2pk", "GSI2PK", str(gsiPending))
		u.set("#g2sk", "GSI2SK", str(createdKey(p)))
	} else {
		u.remove("#g2pk", "GSI2PK")
		u.remove("#g2sk", "GSI2SK")
	}
	u.add("#rev", "revision", num(1))
	u.values[":cur"] = num(p.Revision)
	u.cond("attribute_exists(PK) AND #rev = :cur")
	_, err = s.db.UpdateItem(ctx, u.input(s.table, keyOf(promoPK(p.ID), skPromo)))
	if conditionFailed(err) {
		cur, gerr := s.getPromotionItem(ctx, p.ID)
		if gerr != nil {
			return gerr
		}
		return fault.Errorf(fault.Conflict, "promotion %q changed since it was read (revision %d, not %d)", p.ID, cur.Revision, p.Revision)
	}
	if err != nil {
		return fmt.Errorf("saving promotion %s: %w", p.ID, err)
	}
	p.Revision++
	return nil
}

// RecordDecision implements store.Store.
func (s *Store) RecordDecision(ctx context.Context, id string, a promotion.Approval) (*promotion.Promotion, error) {
	decision, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	u := newUpdate()
	u.names["#ap"] = "approvals"
	u.names["#who"] = a.Identity
	u.names["#st"] = "state"
	u.expr = append(u.expr, "#ap.#who = :decision")
	u.values[":decision"] = str(string(decision))
	u.values[":awaiting"] = str(string(promotion.AwaitingApproval))
	u.add("#rev", "revision", num(1))
	u.cond("attribute_exists(PK) AND #st = :awaiting AND attribute_not_exists(#ap.#who)")
	in := u.input(s.table, keyOf(promoPK(id), skPromo))
	in.ReturnValues = types.ReturnValueAllNew
	out, err := s.db.UpdateItem(ctx, in)
	if conditionFailed(err) {
		p, gerr := s.getPromotionItem(ctx, id)
		if gerr != nil {
			return nil, gerr
		}
		if p.State != promotion.AwaitingApproval {
			return nil, store.NotAwaitingError(p)
		}
		for _, prev := range p.Approvals {
			if prev.Identity == a.Identity {
				return nil, store.DecidedError(id, prev)
			}
		}
		return nil, fault.Errorf(fault.Conflict, "promotion %s changed while deciding; try again", id)
	}
	if err != nil {
		return nil, fmt.Errorf("recording a decision on %s: %w", id, err)
	}
	return decodePromo(out.Attributes)
}

// AppendEvent implements store.Store: the promotion's event counter gives the
// event its place in the log.
func (s *Store) AppendEvent(ctx context.Context, id string, e promotion.Event) error {
	u := newUpdate()
	u.add("#seq", "event_seq", num(1))
	u.cond("attribute_exists(PK)")
	in := u.input(s.table, keyOf(promoPK(id), skPromo))
	in.ReturnValues = types.ReturnValueUpdatedNew
	out, err := s.db.UpdateItem(ctx, in)
	if conditionFailed(err) {
		return fault.Errorf(fault.NotFound, "promotion %q not found", id)
	}
	if err != nil {
		return fmt.Errorf("numbering an event of %s: %w", id, err)
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table,
		Item: withKey(keyOf(promoPK(id), eventSK(getN(out.Attributes, "event_seq"))), map[string]types.AttributeValue{"data": str(string(data))})})
	if err != nil {
		return fmt.Errorf("appending an event to %s: %w", id, err)
	}
	return nil
}

// ListPromotions implements store.Store.
func (s *Store) ListPromotions(ctx context.Context, env string, page store.Page) ([]*promotion.Promotion, string, error) {
	return s.promotions(ctx, &dynamodb.QueryInput{TableName: s.table, IndexName: aws.String("GSI1"), ScanIndexForward: aws.Bool(false),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(gsiEnvPromo + env)},
	}, page, gsi1Keys)
}

// PendingApprovals implements store.Store.
func (s *Store) PendingApprovals(ctx context.Context, page store.Page) ([]*promotion.Promotion, string, error) {
	return s.promotions(ctx, &dynamodb.QueryInput{TableName: s.table, IndexName: aws.String("GSI2"),
		KeyConditionExpression:    aws.String("GSI2PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(gsiPending)},
	}, page, gsi2Keys)
}

func (s *Store) promotions(ctx context.Context, in *dynamodb.QueryInput, page store.Page, keys []string) ([]*promotion.Promotion, string, error) {
	items, next, err := s.page(ctx, in, page, keys)
	if err != nil {
		return nil, "", err
	}
	out := make([]*promotion.Promotion, len(items))
	for i, item := range items {
		if out[i], err = decodePromo(item); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

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
				time.Sleep(time.Duration(attempt*attempt) * 20 * time.Millisecond)
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

// clientToken makes a switch's transaction idempotent for DynamoDB's own retries.
// Tokens are scoped to the account, so the token hashes the table and the switch;
// it must be at most 36 characters.
func clientToken(table, env string, version int64, promotionID string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d\x00%s", table, env, version, promotionID)))
	return hex.EncodeToString(sum[:18])
}

// update builds an UpdateItem expression.
type update struct {
	expr, removes []string
	adds          []string
	condition     string
	names         map[string]string
	values        map[string]types.AttributeValue
}

func newUpdate() *update {
	return &update{names: map[string]string{}, values: map[string]types.AttributeValue{}}
}

func (u *update) set(name, attr string, v types.AttributeValue) {
	u.names[name] = attr
	u.values[":"+name[1:]] = v
	u.expr = append(u.expr, name+" = :"+name[1:])
}

func (u *update) add(name, attr string, v types.AttributeValue) {
	u.names[name] = attr
	u.values[":"+name[1:]] = v
	u.adds = append(u.adds, name+" :"+name[1:])
}

func (u *update) remove(name, attr string) {
	u.names[name] = attr
	u.removes = append(u.removes, name)
}

func (u *update) cond(c string) {
	u.condition = c
}

func (u *update) expression() string {
	var parts []string
	if len(u.expr) > 0 {
		parts = append(parts, "SET "+strings.Join(u.expr, ", "))
	}
	if len(u.adds) > 0 {
		parts = append(parts, "ADD "+strings.Join(u.adds, ", "))
	}
	if len(u.removes) > 0 {
		parts = append(parts, "REMOVE "+strings.Join(u.removes, ", "))
	}
	return strings.Join(parts, " ")
}

func (u *update) input(table *string, k map[string]types.AttributeValue) *dynamodb.UpdateItemInput {
	in := &dynamodb.UpdateItemInput{TableName: table, Key: k, UpdateExpression: aws.String(u.expression()),
		ExpressionAttributeNames: u.names}
	if len(u.values) > 0 { // DynamoDB refuses an empty map
		in.ExpressionAttributeValues = u.values
	}
	if u.condition != "" {
		in.ConditionExpression = aws.String(u.condition)
	}
	return in
}

func (u *update) transact(table *string, k map[string]types.AttributeValue) *types.Update {
	in := u.input(table, k)
	return &types.Update{TableName: table, Key: k, UpdateExpression: in.UpdateExpression, ConditionExpression: in.ConditionExpression,
		ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues}
}
