package sigv4

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// canonicalRequest is the request as SigV4 signs it: method, canonical URI,
// canonical query string, canonical headers, signed headers and payload hash, one
// a line.
func canonicalRequest(r *http.Request, signedHeaders []string, body []byte) string {
	var headers strings.Builder
	for _, name := range signedHeaders {
		headers.WriteString(name + ":" + headerValue(r, name) + "\n")
	}
	return strings.Join([]string{
		r.Method,
		canonicalURI(r.URL.EscapedPath()),
		canonicalQuery(r.URL.RawQuery),
		headers.String(),
		strings.Join(signedHeaders, ";"),
		hexSHA256(body),
	}, "\n")
}

// headerValue is a header's canonical value: its values trimmed, inner runs of
// spaces collapsed, joined by commas. Host is the request's host (net/http moves
// it out of the header map), and a Content-Length the header map lacks is the
// request's.
func headerValue(r *http.Request, name string) string {
	values := r.Header.Values(name)
	switch {
	case name == "host":
		values = []string{r.Host}
	case name == "content-length" && len(values) == 0 && r.ContentLength >= 0:
		values = []string{strconv.FormatInt(r.ContentLength, 10)}
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// canonicalURI normalizes an escaped path (dot and empty segments removed, a
// trailing slash kept) and URI-encodes each segment once more.
func canonicalURI(escaped string) string {
	var segments []string
	for s := range strings.SplitSeq(escaped, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segments) > 0 {
				segments = segments[:len(segments)-1]
			}
		default:
			segments = append(segments, uriEncode(s))
		}
	}
	path := "/" + strings.Join(segments, "/")
	if len(segments) > 0 && strings.HasSuffix(escaped, "/") {
		path += "/"
	}
	return path
}

// canonicalQuery sorts the query's parameters by encoded name, then value, each
// URI-encoded.
func canonicalQuery(raw string) string {
	var params []string
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		params = append(params, uriEncode(k)+"="+uriEncode(v))
	}
	slices.Sort(params)
	return strings.Join(params, "&")
}

// uriEncode percent-encodes every byte but the unreserved characters
// A-Z a-z 0-9 - _ . ~, in upper-case hex.
func uriEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
