package dynamo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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
