package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// promoRecord is a promotion as stored: its JSON form plus the task token, which
// the JSON form leaves out.
type promoRecord struct {
	promotion.Promotion
	TaskToken string `json:"task_token,omitempty"`
}

// getPromo reads a promotion without its events.
func getPromo(tx *bolt.Tx, id string) (*promotion.Promotion, error) {
	v := tx.Bucket(bucketPromo).Get([]byte(id))
	if v == nil {
		return nil, store.PromotionNotFoundError(id)
	}
	var rec promoRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("reading promotion %s: %w", id, err)
	}
	rec.Promotion.TaskToken = rec.TaskToken
	return &rec.Promotion, nil
}

// putPromo writes p and keeps the pending index in step with its state.
func putPromo(tx *bolt.Tx, p *promotion.Promotion) error {
	rec := promoRecord{Promotion: *p, TaskToken: p.TaskToken}
	rec.Events = nil
	pendingKey := createdKey(nil, p.CreatedAt, p.ID)
	var err error
	if p.State == promotion.AwaitingApproval {
		err = tx.Bucket(bucketPending).Put(pendingKey, []byte(p.ID))
	} else {
		err = tx.Bucket(bucketPending).Delete(pendingKey)
	}
	return firstError(err, putJSON(tx.Bucket(bucketPromo), []byte(p.ID), &rec))
}

// CreatePromotion implements store.Store.
func (s *Store) CreatePromotion(_ context.Context, p *promotion.Promotion) error {
	if err := store.ValidatePromotion(p); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketPromo).Get([]byte(p.ID)) != nil {
			return store.PromotionExistsError(p.ID)
		}
		c := *p
		c.Revision = 1
		if err := putPromo(tx, &c); err != nil {
			return err
		}
		if _, err := tx.Bucket(bucketEvent).CreateBucket([]byte(p.ID)); err != nil {
			return err
		}
		p.Revision = 1
		return tx.Bucket(bucketPromoEnv).Put(createdKey(envPrefix(p.Target), p.CreatedAt, p.ID), []byte(p.ID))
	})
}

// GetPromotion implements store.Store.
func (s *Store) GetPromotion(_ context.Context, id string) (*promotion.Promotion, error) {
	var p *promotion.Promotion
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if p, err = getPromo(tx, id); err != nil {
			return err
		}
		return tx.Bucket(bucketEvent).Bucket([]byte(id)).ForEach(func(_, v []byte) error {
			var e promotion.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			p.Events = append(p.Events, e)
			return nil
		})
	})
	return p, err
}

// SavePromotion implements store.Store.
func (s *Store) SavePromotion(_ context.Context, p *promotion.Promotion) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		cur, err := getPromo(tx, p.ID)
		if err != nil {
			return err
		}
		next, err := store.SavedPromotion(cur, p)
		if err != nil {
			return err
		}
		if err := putPromo(tx, next); err != nil {
			return err
		}
		p.Revision = next.Revision
		return nil
	})
}

// RecordDecision implements store.Store: the check, the decision and the
// closure it may bring (store.Decided) in one transaction.
func (s *Store) RecordDecision(_ context.Context, id string, a promotion.Approval) (*promotion.Promotion, error) {
	var next *promotion.Promotion
	err := s.db.Update(func(tx *bolt.Tx) error {
		p, err := getPromo(tx, id)
		if err != nil {
			return err
		}
		if err := store.CheckDecision(p, a); err != nil {
			return err
		}
		next = store.Decided(p, a)
		return putPromo(tx, next)
	})
	return next, err
}

// CloseDecision implements store.Store: the check and the closure (store.Closed)
// in one transaction.
func (s *Store) CloseDecision(_ context.Context, id string, c promotion.Closure) (*promotion.Promotion, error) {
	var next *promotion.Promotion
	err := s.db.Update(func(tx *bolt.Tx) error {
		p, err := getPromo(tx, id)
		if err != nil {
			return err
		}
		if err := store.CheckClose(p); err != nil {
			return err
		}
		next = store.Closed(p, c)
		return putPromo(tx, next)
	})
	return next, err
}

// AppendEvent implements store.Store.
func (s *Store) AppendEvent(_ context.Context, id string, e promotion.Event) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEvent).Bucket([]byte(id))
		if b == nil {
			return store.PromotionNotFoundError(id)
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		return putJSON(b, binary.BigEndian.AppendUint64(nil, seq), e)
	})
}

// ListPromotions implements store.Store.
func (s *Store) ListPromotions(_ context.Context, env string, page store.Page) ([]*promotion.Promotion, string, error) {
	return s.promotions(bucketPromoEnv, envPrefix(env), page, true)
}

// PendingApprovals implements store.Store.
func (s *Store) PendingApprovals(_ context.Context, page store.Page) ([]*promotion.Promotion, string, error) {
	return s.promotions(bucketPending, nil, page, false)
}

// promotions lists the promotions an index bucket points to.
func (s *Store) promotions(index, prefix []byte, page store.Page, newestFirst bool) ([]*promotion.Promotion, string, error) {
	var out []*promotion.Promotion
	next, err := s.list(index, prefix, page, newestFirst, func(tx *bolt.Tx, id []byte) error {
		p, err := getPromo(tx, string(id))
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, next, err
}
