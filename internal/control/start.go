package control

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/pipeline"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/promotion"
)

// StartRequest asks for a promotion.
type StartRequest struct {
	// ID names the promotion; a new one is made when empty. Starting the same
	// promotion again returns the first: still running, its execution is started
	// again (a no-op); over, nothing is started and it is returned as it ended.
	ID          string
	Environment string
	// ReleaseID names a stored release; Source an environment whose release to
	// promote. Exactly one is set.
	ReleaseID string
	Source    string
	// Via says where the request came from; ci when empty.
	Via promotion.Via
}

// validID is the rule for promotion ids: Step Functions execution names, kept to
// the characters AWS allows in them when the state machine logs to CloudWatch
// Logs (no "."), which need no escaping anywhere.
var validID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// Start records a promotion of a stored release, or of what the source
// environment runs, into an environment, and starts its execution. The
// environment's lock is taken for the new promotion before it is recorded: a
// start into an environment a running promotion holds is refused at once.
// Codes: invalid, not_found, conflict (the environment is locked: the message
// names the holder, its state and since when; or the id is taken by another
// promotion).
func (s *Service) Start(ctx context.Context, who policy.Identity, req StartRequest) (*promotion.Promotion, error) {
	switch req.Via {
	case "":
		req.Via = promotion.ViaCI
	case promotion.ViaCI, promotion.ViaCLI, promotion.ViaPage:
	default:
		return nil, fault.Errorf(fault.Invalid, "via: %q is not ci, cli or page", req.Via)
	}
	if (req.ReleaseID == "") == (req.Source == "") {
		return nil, fault.Errorf(fault.Invalid, "name either release_id or source, not both or neither")
	}
	if req.ID != "" && !validID.MatchString(req.ID) {
		return nil, fault.Errorf(fault.Invalid, "id: %q is not 1 to 80 characters from A-Z a-z 0-9 _ -", req.ID)
	}
	if _, err := s.Store.GetEnvironment(ctx, req.Environment); err != nil {
		return nil, err
	}
	if req.Source != "" {
		var err error
		if req.ReleaseID, err = s.sourceRelease(ctx, req.Source); err != nil {
			return nil, err
		}
	} else {
		switch ok, err := s.Store.ReleaseExists(ctx, req.ReleaseID); {
		case err != nil:
			return nil, err
		case !ok:
			return nil, fault.Errorf(fault.NotFound, "release %s not found: upload it first", req.ReleaseID)
		}
	}
	if req.ID == "" {
		req.ID = NewID(req.Environment, s.Now())
	}
	now := s.Now()
	p := &promotion.Promotion{ID: req.ID, Target: req.Environment, ReleaseID: req.ReleaseID, Source: req.Source,
		RequestedBy: who.Subject, Via: req.Via, State: promotion.Planning, Execution: ExecutionARN(s.StateMachineARN, req.ID),
		CreatedAt: now, UpdatedAt: now}
	switch existing, err := s.Store.GetPromotion(ctx, req.ID); {
	case err == nil: // a retried start: the promotion has its lock, or is over
		return s.again(ctx, existing, p)
	case fault.ErrorCode(err) != fault.NotFound:
		return nil, err
	}
	if err := s.reserve(ctx, req.Environment, req.ID, now); err != nil {
		return nil, err
	}
	if err := s.Store.CreatePromotion(ctx, p); err != nil {
		if fault.ErrorCode(err) != fault.Conflict {
			return nil, errors.Join(err, s.Store.ReleaseLock(ctx, req.Environment, req.ID))
		}
		existing, gerr := s.Store.GetPromotion(ctx, req.ID)
		if gerr != nil {
			return nil, gerr
		}
		return s.again(ctx, existing, p)
	}
	return p, s.startExecution(ctx, p)
}

// again answers a start of promotion p whose id is recorded already as
// existing: the same release and target reuse it; anything else is a conflict.
// While it runs its execution is started again, a no-op. Once it is over
// nothing is started (its execution's name cannot be used again) and it is
// returned as it ended: the caller tells by its final state that it already ran.
func (s *Service) again(ctx context.Context, existing, p *promotion.Promotion) (*promotion.Promotion, error) {
	if existing.Target != p.Target || existing.ReleaseID != p.ReleaseID {
		return nil, fault.Errorf(fault.Conflict, "promotion %s exists already, of release %s into %s", p.ID, existing.ReleaseID, existing.Target)
	}
	if existing.State.Final() {
		return existing, nil
	}
	return existing, s.startExecution(ctx, existing)
}

// reserveAttempts bounds reserve's rounds against locks that change hands.
const reserveAttempts = 3

// reserve takes the environment's lock for promotion id before the promotion is
// recorded, so that of many starts into one environment exactly one is
// recorded and started and the others are refused at once: conflict, naming the
// holder, its state and since when (store.LockedError). A lock whose holder has
// ended (its Finalize or cancel did not release it) is released and taken. The
// lease is pipeline.LockMargin; Plan renews it for the approval timeout.
func (s *Service) reserve(ctx context.Context, env, id string, now time.Time) error {
	for attempt := 1; ; attempt++ {
		_, err := s.Store.AcquireLock(ctx, env, id, now, pipeline.LockMargin)
		if fault.ErrorCode(err) != fault.Conflict || attempt == reserveAttempts {
			return err
		}
		e, gerr := s.Store.GetEnvironment(ctx, env)
		if gerr != nil {
			return gerr
		}
		if !e.Lock.Held(now) {
			continue // released meanwhile
		}
		holder, herr := s.Store.GetPromotion(ctx, e.Lock.Holder)
		if herr != nil || !holder.State.Final() {
			return err
		}
		if rerr := s.Store.ReleaseLock(ctx, env, holder.ID); rerr != nil {
			return rerr
		}
	}
}

// NewID makes a promotion id from the environment's name and the time, with a
// random suffix: dev-20261122-101500-3f9a1c. The characters of an environment
// name that an id may not hold (. : /) become "-".
func NewID(env string, now time.Time) string {
	prefix := strings.Map(func(r rune) rune {
		if strings.ContainsRune(".:/", r) {
			return '-'
		}
		return r
	}, env)
	if len(prefix) > 50 {
		prefix = prefix[:50]
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	return prefix + "-" + now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(suffix)
}

// startExecution starts the execution of a recorded promotion, and records
// that it did once; starting it again with the same input is a no-op for Step
// Functions.
func (s *Service) startExecution(ctx context.Context, p *promotion.Promotion) error {
	input, err := json.Marshal(pipeline.Input{PromotionID: p.ID})
	if err != nil {
		return err
	}
	out, err := s.SFN.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &s.StateMachineARN,
		Name: &p.ID, Input: aws.String(string(input))})
	if err != nil {
		if apiCode(err) == "ExecutionAlreadyExists" {
			return fault.Errorf(fault.Conflict, "promotion %s: an execution of that name has ended, or runs with other input; choose a new id", p.ID)
		}
		return fmt.Errorf("starting the execution of promotion %s: %w", p.ID, err)
	}
	if p.Has(promotion.EventStarted) {
		return nil // started again: the log says so once
	}
	return s.event(ctx, p.ID, promotion.EventStarted, p.RequestedBy, fmt.Sprintf("requested via %s; execution %s", p.Via, aws.ToString(out.ExecutionArn)))
}

// sourceRelease is the release environment source runs, for a promotion or a
// preview of what it runs. Codes: not_found, invalid (it runs nothing yet).
func (s *Service) sourceRelease(ctx context.Context, source string) (string, error) {
	src, err := s.Store.GetEnvironment(ctx, source)
	if err != nil {
		return "", err
	}
	if src.Current == nil {
		return "", fault.Errorf(fault.Invalid, "source: environment %s runs nothing yet", source)
	}
	return src.Current.ReleaseID, nil
}
