package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

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
// says: the approvals, closure and events are attributes and items of their own,
// which the update leaves alone.
func (s *Store) SavePromotion(ctx context.Context, p *promotion.Promotion) error {
	u, err := promoUpdate(p)
	if err != nil {
		return err
	}
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

// promoUpdate is the update that writes p over the stored item at p.Revision
// and increases the revision.
func promoUpdate(p *promotion.Promotion) (*update, error) {
	data, err := promoData(p)
	if err != nil {
		return nil, err
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
	return u, nil
}

// decideAttempts bounds the read-and-write rounds of a decision or closure that
// meets concurrent writes to the same promotion.
const decideAttempts = 60

// RecordDecision implements store.Store: it reads the promotion, applies
// store.CheckDecision and store.Decided, and writes the decision, with the
// closure it brings, in one update conditioned on the revision it read; a
// concurrent write makes it read again.
func (s *Store) RecordDecision(ctx context.Context, id string, a promotion.Approval) (*promotion.Promotion, error) {
	decision, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	return s.changeDecision(ctx, id, func(p *promotion.Promotion) (*promotion.Promotion, *update, error) {
		if err := store.CheckDecision(p, a); err != nil {
			return nil, nil, err
		}
		next := store.Decided(p, a)
		u := newUpdate()
		u.names["#ap"] = "approvals"
		u.names["#who"] = a.Identity
		u.expr = append(u.expr, "#ap.#who = :decision")
		u.values[":decision"] = str(string(decision))
		if next.Closed != nil {
			u.set("#cl", "closed", closedAttr(next.Closed))
		}
		u.add("#rev", "revision", num(1))
		u.values[":cur"] = num(p.Revision)
		u.cond("attribute_exists(PK) AND #rev = :cur")
		return next, u, nil
	})
}

// CloseDecision implements store.Store: it reads the promotion, applies
// store.CheckClose and store.Closed, and writes the result with its closure in
// one update conditioned on the revision it read.
func (s *Store) CloseDecision(ctx context.Context, id string, c promotion.Closure) (*promotion.Promotion, error) {
	return s.changeDecision(ctx, id, func(p *promotion.Promotion) (*promotion.Promotion, *update, error) {
		if err := store.CheckClose(p); err != nil {
			return nil, nil, err
		}
		next := store.Closed(p, c)
		saved := *next
		saved.Revision = p.Revision // the condition: the revision read
		u, err := promoUpdate(&saved)
		if err != nil {
			return nil, nil, err
		}
		u.set("#cl", "closed", closedAttr(next.Closed))
		return next, u, nil
	})
}

// changeDecision runs one decision or closure: change reads the promotion as
// stored and gives the promotion after it and the update that writes it,
// conditioned on the revision read. A failed condition (a concurrent write) reads
// again, after a short random pause, at most decideAttempts times.
func (s *Store) changeDecision(ctx context.Context, id string,
	change func(*promotion.Promotion) (*promotion.Promotion, *update, error)) (*promotion.Promotion, error) {
	for attempt := 1; ; attempt++ {
		p, err := s.getPromotionItem(ctx, id)
		if err != nil {
			return nil, err
		}
		next, u, err := change(p)
		if err != nil {
			return nil, err
		}
		_, err = s.db.UpdateItem(ctx, u.input(s.table, keyOf(promoPK(id), skPromo)))
		switch {
		case err == nil:
			return next, nil
		case !conditionFailed(err):
			return nil, fmt.Errorf("deciding on promotion %s: %w", id, err)
		case attempt == decideAttempts:
			return nil, fault.Errorf(fault.Conflict, "promotion %s changed while deciding; try again", id)
		}
		if err := pause(ctx, rand.N(time.Duration(attempt)*5*time.Millisecond)); err != nil {
			return nil, fmt.Errorf("deciding on promotion %s: %w", id, err)
		}
	}
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
