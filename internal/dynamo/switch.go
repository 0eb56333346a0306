package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// switchAttempts bounds the retries of a switch that meets a transaction conflict.
const switchAttempts = 10

// deployTTL is how long a deployment's parts live unless a switch commits them.
const deployTTL = 24 * time.Hour

// The items of a switch's transaction, by their index in TransactItems, which is
// also their index in the CancellationReasons of a cancelled transaction.
const (
	// switchEnv updates the environment's version and deployment, conditioned on
	// its being at the base version.
	switchEnv = iota
	// switchEntry puts the history entry.
	switchEntry
	// switchPromotion updates the promotion's state, conditioned on its not having
	// ended and its decision not having been closed by anything but the quorum
	// (store.CheckSwitchable).
	switchPromotion
	// switchRelease checks that the release is stored.
	switchRelease
	// switchDeployment commits the deployment written before: it clears its ttl.
	switchDeployment
	// switchItems is how many items the transaction has.
	switchItems
)

// Switch implements store.Store: the deployment first, then one transaction,
// retried while it meets other transactions.
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
		replay, err := req.Check(env)
		switch {
		case err != nil:
			return nil, err
		case replay:
			return s.version(ctx, req.Environment, env.Version)
		}
		if !stored {
			refs, err := store.EncodeNodes(req.Nodes)
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
		case reasonIs(reasons, switchPromotion, "ConditionalCheckFailed"):
			p, err := s.GetPromotion(ctx, req.PromotionID)
			if err != nil {
				return nil, err
			}
			if err := store.CheckSwitchable(p); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("switching %s: the promotion %s changed while switching; try again", req.Environment, p.ID)
		case reasonIs(reasons, switchRelease, "ConditionalCheckFailed"):
			return nil, store.ReleaseNotStoredError(req.ReleaseID)
		case attempt == switchAttempts:
			return nil, fmt.Errorf("switching %s: %w", req.Environment, err)
		}
		// The environment moved on (the next read reports it as stale) or another
		// transaction touched the same items: try again after a pause.
		if err := pause(ctx, time.Duration(attempt*attempt)*10*time.Millisecond); err != nil {
			return nil, fmt.Errorf("switching %s: %w", req.Environment, err)
		}
	}
}

// switchTransaction writes a switch: the items named by the switch* indexes.
func (s *Store) switchTransaction(ctx context.Context, req store.SwitchRequest, entry environment.VersionEntry, blob string) error {
	current, err := json.Marshal(req.Deployment())
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
	promo.names["#cl"], promo.names["#how"] = "closed", "how"
	promo.values[":approved"] = str(string(promotion.ClosedApproved))
	promo.cond("attribute_exists(PK) AND NOT (#st IN (" + strings.Join(ended, ", ") + ")) AND (attribute_not_exists(#cl) OR #cl.#how = :approved)")

	items := make([]types.TransactWriteItem, switchItems)
	items[switchEnv] = types.TransactWriteItem{Update: env.transact(s.table, keyOf(envPK(req.Environment), skEnv))}
	items[switchEntry] = types.TransactWriteItem{Put: &types.Put{TableName: s.table, ConditionExpression: aws.String("attribute_not_exists(PK)"),
		Item: withKey(keyOf(envPK(req.Environment), versionSK(entry.Version)), map[string]types.AttributeValue{"data": str(string(entryJSON))})}}
	items[switchPromotion] = types.TransactWriteItem{Update: promo.transact(s.table, keyOf(promoPK(req.PromotionID), skPromo))}
	items[switchRelease] = types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: s.table,
		Key: keyOf(blobPK(releaseKey(req.ReleaseID)), skMeta), ConditionExpression: aws.String("attribute_exists(PK)")}}
	items[switchDeployment] = types.TransactWriteItem{Update: &types.Update{TableName: s.table, Key: keyOf(blobPK(blob), skMeta),
		UpdateExpression: aws.String("REMOVE #ttl"), ExpressionAttributeNames: map[string]string{"#ttl": "ttl"}}}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items,
		ClientRequestToken: aws.String(clientToken(aws.ToString(s.table), req.Environment, entry.Version, req.PromotionID))})
	return err
}

// reasonIs reports whether the transaction item at index i was cancelled for code.
func reasonIs(reasons []types.CancellationReason, i int, code string) bool {
	return i < len(reasons) && aws.ToString(reasons[i].Code) == code
}

// version reads one entry of an environment's history. Codes: not_found.
func (s *Store) version(ctx context.Context, env string, version int64) (*environment.VersionEntry, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: keyOf(envPK(env), versionSK(version)), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("reading version %d of %s: %w", version, env, err)
	}
	if out.Item == nil {
		return nil, store.NoVersionError(env, version)
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

// clientToken makes a switch's transaction idempotent for DynamoDB's own retries.
// Tokens are scoped to the account, so the token hashes the table and the switch;
// it must be at most 36 characters.
func clientToken(table, env string, version int64, promotionID string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d\x00%s", table, env, version, promotionID)))
	return hex.EncodeToString(sum[:18])
}
