package dynamo

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/promotion"
	"github.com/ferrydev/ferry/internal/store"
)

// envData is the environment's JSON without what has attributes of its own
// (version, current deployment, lock, revision), which atomic operations change.
func envData(env *environment.Environment) (string, error) {
	c := *env
	c.Version, c.Current, c.Lock, c.Revision = 0, nil, nil, 0
	b, err := json.Marshal(&c)
	return string(b), err
}

// expiryKey is the GSI2 sort key of an environment that expires (store.Expiry),
// "" for one that does not.
func expiryKey(env *environment.Environment) string {
	exp := store.Expiry(env)
	if exp == nil {
		return ""
	}
	return timeKey(*exp)
}

func envItem(env *environment.Environment, revision int64) (map[string]types.AttributeValue, error) {
	data, err := envData(env)
	if err != nil {
		return nil, err
	}
	item := withKey(keyOf(envPK(env.Name), skEnv), map[string]types.AttributeValue{
		"GSI1PK": str(gsiEnvs), "GSI1SK": str(env.Name),
		"data": str(data), "version": num(env.Version), "revision": num(revision),
	})
	if exp := expiryKey(env); exp != "" {
		item["GSI2PK"], item["GSI2SK"] = str(gsiExpiry), str(exp)
	}
	return item, nil
}

func decodeEnv(item map[string]types.AttributeValue) (*environment.Environment, error) {
	var env environment.Environment
	if err := json.Unmarshal([]byte(getS(item, "data")), &env); err != nil {
		return nil, fmt.Errorf("reading environment %s: %w", getS(item, "PK"), err)
	}
	env.Version = getN(item, "version")
	env.Revision = getN(item, "revision")
	if c := getS(item, "current"); c != "" {
		env.Current = &environment.Deployment{}
		if err := json.Unmarshal([]byte(c), env.Current); err != nil {
			return nil, fmt.Errorf("reading environment %s: %w", env.Name, err)
		}
	}
	if holder := getS(item, "lock_holder"); holder != "" {
		env.Lock = &environment.Lock{Holder: holder,
			Since:   time.Unix(0, getN(item, "lock_since")).UTC(),
			Expires: time.Unix(0, getN(item, "lock_expires")).UTC()}
	}
	return &env, nil
}

// promoData is the promotion's JSON without what has attributes of its own
// (state, update time, revision, task token, approvals, closure, events).
func promoData(p *promotion.Promotion) (string, error) {
	c := *p
	c.State, c.UpdatedAt, c.Revision, c.Approvals, c.Closed, c.Events = "", time.Time{}, 0, nil, nil, nil
	b, err := json.Marshal(&c)
	return string(b), err
}

func promoItem(p *promotion.Promotion, revision int64) (map[string]types.AttributeValue, error) {
	data, err := promoData(p)
	if err != nil {
		return nil, err
	}
	item := withKey(keyOf(promoPK(p.ID), skPromo), map[string]types.AttributeValue{
		"GSI1PK": str(gsiEnvPromo + p.Target), "GSI1SK": str(createdKey(p)),
		"data": str(data), "state": str(string(p.State)), "updated_at": num(p.UpdatedAt.UnixNano()),
		"revision": num(revision), "approvals": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
	})
	if p.TaskToken != "" {
		item["task_token"] = str(p.TaskToken)
	}
	if p.State == promotion.AwaitingApproval {
		item["GSI2PK"], item["GSI2SK"] = str(gsiPending), str(createdKey(p))
	}
	return item, nil
}

func decodePromo(item map[string]types.AttributeValue) (*promotion.Promotion, error) {
	var p promotion.Promotion
	if err := json.Unmarshal([]byte(getS(item, "data")), &p); err != nil {
		return nil, fmt.Errorf("reading promotion %s: %w", getS(item, "PK"), err)
	}
	p.State = promotion.State(getS(item, "state"))
	p.UpdatedAt = time.Unix(0, getN(item, "updated_at")).UTC()
	p.Revision = getN(item, "revision")
	p.TaskToken = getS(item, "task_token")
	if m, ok := item["closed"].(*types.AttributeValueMemberM); ok {
		at, err := time.Parse(time.RFC3339Nano, getS(m.Value, "at"))
		if err != nil {
			return nil, fmt.Errorf("reading promotion %s: its closure is unreadable: %w", p.ID, err)
		}
		p.Closed = &promotion.Closure{How: promotion.ClosedBy(getS(m.Value, "how")), By: getS(m.Value, "by"), At: at}
	}
	if m, ok := item["approvals"].(*types.AttributeValueMemberM); ok {
		for who, v := range m.Value {
			var a promotion.Approval
			s, _ := v.(*types.AttributeValueMemberS)
			if s == nil || json.Unmarshal([]byte(s.Value), &a) != nil {
				return nil, fmt.Errorf("reading promotion %s: the decision of %s is unreadable", p.ID, who)
			}
			p.Approvals = append(p.Approvals, a)
		}
		slices.SortFunc(p.Approvals, func(a, b promotion.Approval) int {
			if c := a.At.Compare(b.At); c != 0 {
				return c
			}
			return strings.Compare(a.Identity, b.Identity)
		})
	}
	return &p, nil
}

// closedAttr is a closure as the promotion item's closed attribute: a map, so
// that a switch's condition can read how it closed.
func closedAttr(c *promotion.Closure) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"how": str(string(c.How)), "by": str(c.By), "at": str(c.At.UTC().Format(time.RFC3339Nano))}}
}
