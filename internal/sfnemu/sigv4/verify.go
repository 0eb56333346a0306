package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "AWS4-HMAC-SHA256"

// amzDate is the layout of X-Amz-Date; scopeDate that of the scope's date.
const (
	amzDate   = "20060102T150405Z"
	scopeDate = "20060102"
)

// MaxSkew is how far X-Amz-Date may be from the Verifier's clock, as in AWS.
const MaxSkew = 15 * time.Minute

// defaultMaxBody bounds the body read to hash it when MaxBody is 0.
const defaultMaxBody = 1 << 20

// Verifier checks requests signed for one service with the keys it knows.
type Verifier struct {
	// Service is the signing name the scope must carry, such as "states".
	Service string
	// Keys maps an access key id to its secret access key.
	Keys map[string]string
	// Now is the clock the request date is checked against (time.Now when nil).
	Now func() time.Time
	// MaxBody bounds the request body (1 MiB when 0).
	MaxBody int64
}

// authorization is a parsed Authorization header.
type authorization struct {
	keyID, date, region, service string
	signedHeaders                []string
	signature                    string
}

// Verify checks r's signature. On success r.Body is replaced by the bytes read,
// so the next handler reads the same body. The error is an *Error.
func (v *Verifier) Verify(r *http.Request) error {
	header := r.Header.Get("Authorization")
	if header == "" {
		return &Error{Code: "MissingAuthenticationToken", Status: http.StatusForbidden, Message: "Missing Authentication Token"}
	}
	auth, err := parseAuthorization(header)
	if err != nil {
		return err
	}
	stamp := r.Header.Get("X-Amz-Date")
	if stamp == "" {
		return incomplete("Authorization header requires existence of a 'X-Amz-Date' header. Authorization=%s", header)
	}
	for _, need := range []string{"host", "x-amz-date"} {
		if !slices.Contains(auth.signedHeaders, need) {
			return incomplete("'%s' must be a 'SignedHeader' in the AWS Authorization.", need)
		}
	}
	signedAt, err := time.Parse(amzDate, stamp)
	if err != nil {
		return incomplete("X-Amz-Date %q is not in the form %s.", stamp, amzDate)
	}
	if auth.service != v.Service {
		return invalid("Credential should be scoped to correct service: '%s'. ", v.Service)
	}
	if auth.date != signedAt.Format(scopeDate) {
		return invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			auth.date, signedAt.Format(scopeDate), stamp)
	}
	secret, known := v.Keys[auth.keyID]
	if !known || r.Header.Get("X-Amz-Security-Token") != "" {
		return &Error{Code: "UnrecognizedClientException", Status: http.StatusBadRequest,
			Message: "The security token included in the request is invalid."}
	}
	if err := v.checkClock(signedAt); err != nil {
		return err
	}
	body, err := v.readBody(r)
	if err != nil {
		return err
	}
	canonical := canonicalRequest(r, auth.signedHeaders, body)
	scope := strings.Join([]string{auth.date, auth.region, auth.service, "aws4_request"}, "/")
	toSign := strings.Join([]string{Algorithm, stamp, scope, hexSHA256([]byte(canonical))}, "\n")
	want := hex.EncodeToString(hmacSHA256(signingKey(secret, auth.date, auth.region, auth.service), toSign))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(auth.signature))) {
		return invalid("The request signature we calculated does not match the signature you provided. " +
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

// checkClock refuses a request date more than MaxSkew away from the clock, with
// AWS's messages.
func (v *Verifier) checkClock(signedAt time.Time) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now().UTC()
	switch {
	case signedAt.Before(t.Add(-MaxSkew)):
		return invalid("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			signedAt.Format(amzDate), t.Add(-MaxSkew).Format(amzDate), t.Format(amzDate))
	case signedAt.After(t.Add(MaxSkew)):
		return invalid("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			signedAt.Format(amzDate), t.Add(MaxSkew).Format(amzDate), t.Format(amzDate))
	}
	return nil
}

// readBody reads the whole body, bounded, and puts it back for the next handler.
func (v *Verifier) readBody(r *http.Request) ([]byte, error) {
	limit := v.MaxBody
	if limit == 0 {
		limit = defaultMaxBody
	}
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, &Error{Code: "IncompleteSignature", Status: http.StatusBadRequest, Message: fmt.Sprintf("reading the request body: %v", err)}
	}
	if int64(len(body)) > limit {
		return nil, &Error{Code: "ValidationException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("the request body is larger than %d bytes", limit)}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request,
// SignedHeaders=a;b, Signature=HEX".
func parseAuthorization(header string) (authorization, error) {
	var a authorization
	algorithm, rest, _ := strings.Cut(header, " ")
	if algorithm != Algorithm {
		return a, incomplete("Unsupported AWS 'algorithm': '%s'; use %s.", algorithm, Algorithm)
	}
	parts := map[string]string{}
	for field := range strings.SplitSeq(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			return a, incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=%s", header)
		}
		parts[k] = val
	}
	credential, signed, signature := parts["Credential"], parts["SignedHeaders"], parts["Signature"]
	if credential == "" || signed == "" || signature == "" {
		return a, incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=%s", header)
	}
	scope := strings.Split(credential, "/")
	if len(scope) != 5 || scope[0] == "" || scope[4] != "aws4_request" {
		return a, incomplete("Credential should be of the form ACCESS_KEY_ID/DATE/REGION/SERVICE/aws4_request, not '%s'.", credential)
	}
	if _, err := time.Parse(scopeDate, scope[1]); err != nil {
		return a, incomplete("Credential's date '%s' is not in the form YYYYMMDD.", scope[1])
	}
	a.keyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	a.signedHeaders = strings.Split(signed, ";")
	a.signature = signature
	return a, nil
}

// signingKey derives the key for one day, region and service from the secret.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func hexSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
