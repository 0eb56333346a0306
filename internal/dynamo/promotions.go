package dynamo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

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
		return store.PromotionExistsError(p.ID)
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
		return nil, store.PromotionNotFoundError(id)
	}
	p.Events = events
	return p, nil
}

// getPromotionItem reads a promotion without its events. Codes: not_found.
func (s *Store) getPromotionItem(ctx context.Context, id string) (*promotion.Promotion, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: keyOf(promoPK(id), skPromo), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("reading promotion %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, store.PromotionNotFoundError(id)
	}
	return decodePromo(out.Item)
}

// SavePromotion implements store.Store. It writes what store.SavedPromotion
// says: the approvals and events are attributes and items of their own, which
// the update leaves alone.
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
		cur, err := s.getPromotionItem(ctx, p.ID)
		if err != nil {
			return err
		}
		return store.PromotionChangedError(p.ID, cur.Revision, p.Revision)
	}
	if err != nil {
		return fmt.Errorf("saving promotion %s: %w", p.ID, err)
	}
	p.Revision++
	return nil
}

// RecordDecision implements store.Store with store.CheckDecision's rule as the
// condition of one update, which returns the promotion as it is after it.
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
		p, err := s.getPromotionItem(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := store.CheckDecision(p, a); err != nil {
			return nil, err
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
		return store.PromotionNotFoundError(id)
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

// promotions runs one page of a query of promotion items.
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
