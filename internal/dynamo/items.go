package dynamo

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ferrydev/ferry/internal/environment"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/promotion"
)

// Keys and index partitions (see the package doc).
const (
	skEnv           = "ENV"
	skPromo         = "PROMO"
	skVersionPrefix = "VER#"
	gsiEnvs         = "ENVS"
	gsiExpiry       = "EXPIRY"
	gsiEnvPromo     = "ENVPROMO#"
	gsiPending      = "PENDING"
)

// The key attributes of an item as seen from the table and each index; the
// partition key of the queried index comes second to last.
var (
	tableKeys = []string{"PK", "SK"}
	gsi1Keys  = []string{"PK", "SK", "GSI1PK", "GSI1SK"}
	gsi2Keys  = []string{"PK", "SK", "GSI2PK", "GSI2SK"}
)

func envPK(name string) string                 { return "ENV#" + name }
func promoPK(id string) string                 { return "PROMO#" + id }
func blobPK(key string) string                 { return "BLOB#" + key }
func versionSK(v int64) string                 { return fmt.Sprintf("%s%020d", skVersionPrefix, v) }
func eventSK(seq int64) string                 { return fmt.Sprintf("EVENT#%020d", seq) }
func partSK(i int) string                      { return fmt.Sprintf("PART#%05d", i) }
func releaseKey(id string) string              { return "REL#" + id }
func planKey(digest string) string             { return "PLAN#" + digest }
func timeKey(t time.Time) string               { return fmt.Sprintf("%020d", t.UnixNano()) }
func createdKey(p *promotion.Promotion) string { return timeKey(p.CreatedAt) + "#" + p.ID }

func deployKey(env string, version int64, promotionID string) string {
	return fmt.Sprintf("DEPLOY#%s#%020d#%s", env, version, promotionID)
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func keyOf(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": str(pk), "SK": str(sk)}
}

// withKey adds the attributes to a key.
func withKey(k, attrs map[string]types.AttributeValue) map[string]types.AttributeValue {
	for name, v := range attrs {
		k[name] = v
	}
	return k
}

func getS(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func getN(item map[string]types.AttributeValue, name string) int64 {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

// envData is the environment's JSON without what has attributes of its own
// (version, current deployment, lock, revision), which atomic operations change.
func envData(env *environment.Environment) (string, error) {
	c := *env
	c.Version, c.Current, c.Lock, c.Revision = 0, nil, nil, 0
	b, err := json.Marshal(&c)
	return string(b), err
}

func expiryKey(env *environment.Environment) string {
	if !env.Ephemeral || env.ExpiresAt == nil {
		return ""
	}
	return timeKey(*env.ExpiresAt)
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
// (state, update time, revision, task token, approvals, events).
func promoData(p *promotion.Promotion) (string, error) {
	c := *p
	c.State, c.UpdatedAt, c.Revision, c.Approvals, c.Events = "", time.Time{}, 0, nil, nil
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

// encodeToken makes a page token of an item's key attributes.
func encodeToken(item map[string]types.AttributeValue, keys []string) string {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = getS(item, k)
	}
	b, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken reads a page token back into an ExclusiveStartKey, refusing one
// that does not belong to the list asked for.
func decodeToken(token string, keys []string, partition, want string) (map[string]types.AttributeValue, error) {
	bad := fault.Errorf(fault.Invalid, "page token %q is not one this list gave", token)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, bad
	}
	var m map[string]string
	if json.Unmarshal(raw, &m) != nil || len(m) != len(keys) || m[partition] != want {
		return nil, bad
	}
	start := make(map[string]types.AttributeValue, len(keys))
	for _, k := range keys {
		v, ok := m[k]
		if !ok || v == "" {
			return nil, bad
		}
		start[k] = str(v)
	}
	return start, nil
}
