package store

import (
	"context"
	"time"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
)

// UpdateAttempts bounds the retries of UpdatePromotion's read-modify-write.
const UpdateAttempts = 5

// LoadPromotion reads a promotion and the environment it targets.
// Codes: not_found.
func LoadPromotion(ctx context.Context, st Store, id string) (*promotion.Promotion, *environment.Environment, error) {
	p, err := st.GetPromotion(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	env, err := st.GetEnvironment(ctx, p.Target)
	if err != nil {
		return nil, nil, err
	}
	return p, env, nil
}

// UpdatePromotion reads a promotion, lets change modify it, stamps it updated at
// now and saves it; when a concurrent write (a decision, a step's retry) got in
// between, it starts again from a fresh read, at most UpdateAttempts times.
// Codes: not_found, conflict, and change's own.
func UpdatePromotion(ctx context.Context, st Store, id string, now func() time.Time, change func(*promotion.Promotion) error) (*promotion.Promotion, error) {
	for attempt := 1; ; attempt++ {
		p, err := st.GetPromotion(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := change(p); err != nil {
			return nil, err
		}
		p.UpdatedAt = now()
		err = st.SavePromotion(ctx, p)
		if err == nil || fault.ErrorCode(err) != fault.Conflict || attempt == UpdateAttempts {
			return p, err
		}
	}
}
