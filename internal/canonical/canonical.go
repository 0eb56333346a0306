// Package canonical writes JSON in one canonical form, so that equal content has
// equal bytes and therefore an equal digest. Release ids, node fingerprints and plan
// digests are all sha256 digests of canonical JSON.
//
// The canonical form (close to RFC 8785, documented here because ids depend on it):
//   - no insignificant white space;
//   - object members sorted by key, comparing the keys' UTF-8 bytes; a duplicate key
//     is an error;
//   - strings escape only '"', '\\' and control characters (as \b \f \n \r \t or
//     \u00XX); everything else is written as UTF-8, invalid bytes as U+FFFD;
//   - integers without fraction or exponent are kept digit for digit ("-0" is "0");
//     any other number becomes the shortest float64 form that reads back the same
//     (1.50 → 1.5, 1e2 → 100).
package canonical

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// maxDepth bounds nesting, as encoding/json does, so hostile input cannot exhaust the stack.
const maxDepth = 10000

// Compact returns the canonical form of the JSON text raw.
func Compact(raw []byte) ([]byte, error) {
	return AppendCompact(make([]byte, 0, len(raw)), raw)
}

// AppendCompact appends the canonical form of the JSON text raw to dst.
func AppendCompact(dst, raw []byte) ([]byte, error) {
	c := canonicalizer{in: raw}
	out, err := c.value(dst)
	if err != nil {
		return dst, err
	}
	c.skipSpace()
	if c.pos != len(c.in) {
		return dst, c.errorf("unexpected %q after the JSON value", c.in[c.pos])
	}
	return out, nil
}

// AppendNext appends the canonical form of the JSON value at the start of in (after
// any white space) to dst, and returns how many bytes of in it read. Errors are
// *SyntaxError, with offsets into in.
func AppendNext(dst, in []byte) ([]byte, int, error) {
	c := canonicalizer{in: in}
	out, err := c.value(dst)
	return out, c.pos, err
}

// SyntaxError is JSON that cannot be read, or that has no canonical form.
type SyntaxError struct {
	// Offset is the byte offset in the input where the problem was found.
	Offset int
	// Msg says what is wrong.
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// Marshal encodes v as JSON (without HTML escaping) in canonical form.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return Compact(buf.Bytes())
}

// Digest returns "sha256:" followed by the hex sha256 of b.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// MarshalDigest returns the digest of the canonical JSON of v.
func MarshalDigest(v any) (string, error) {
	b, err := Marshal(v)
	if err != nil {
		return "", err
	}
	return Digest(b), nil
}

type canonicalizer struct {
	in      []byte
	pos     int
	depth   int
	members []member // a stack shared by nested objects
	sorted  []byte   // scratch for reordering an object's members
}

func (c *canonicalizer) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: c.pos, Msg: fmt.Sprintf(format, args...)}
}

func (c *canonicalizer) skipSpace() {
	for c.pos < len(c.in) {
		switch c.in[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

func (c *canonicalizer) value(dst []byte) ([]byte, error) {
	c.skipSpace()
	if c.pos >= len(c.in) {
		return dst, c.errorf("unexpected end of input")
	}
	switch b := c.in[c.pos]; {
	case b == '{':
		return c.object(dst)
	case b == '[':
		return c.array(dst)
	case b == '"':
		s, err := c.str()
		if err != nil {
			return dst, err
		}
		return appendString(dst, s), nil
	case b == 't':
		return c.literal(dst, "true")
	case b == 'f':
		return c.literal(dst, "false")
	case b == 'n':
		return c.literal(dst, "null")
	case b == '-' || ('0' <= b && b <= '9'):
		return c.number(dst)
	default:
		return dst, c.errorf("unexpected %q", b)
	}
}

func (c *canonicalizer) literal(dst []byte, word string) ([]byte, error) {
	if !bytes.HasPrefix(c.in[c.pos:], []byte(word)) {
		return dst, c.errorf("expected %s", word)
	}
	c.pos += len(word)
	return append(dst, word...), nil
}

func (c *canonicalizer) enter() error {
	c.depth++
	if c.depth > maxDepth {
		return c.errorf("nested more than %d levels deep", maxDepth)
	}
	return nil
}

func (c *canonicalizer) array(dst []byte) ([]byte, error) {
	if err := c.enter(); err != nil {
		return dst, err
	}
	c.pos++ // '['
	dst = append(dst, '[')
	c.skipSpace()
	if c.pos < len(c.in) && c.in[c.pos] == ']' {
		c.pos++
		c.depth--
		return append(dst, ']'), nil
	}
	for {
		var err error
		if dst, err = c.value(dst); err != nil {
			return dst, err
		}
		c.skipSpace()
		if c.pos >= len(c.in) {
			return dst, c.errorf("unexpected end of input in array")
		}
		switch c.in[c.pos] {
		case ',':
			c.pos++
			dst = append(dst, ',')
		case ']':
			c.pos++
			c.depth--
			return append(dst, ']'), nil
		default:
			return dst, c.errorf("expected ',' or ']' in array, found %q", c.in[c.pos])
		}
	}
}

// member is one written object member: its decoded key and where it sits in dst.
type member struct {
	key        []byte
	start, end int
}

func (c *canonicalizer) object(dst []byte) ([]byte, error) {
	if err := c.enter(); err != nil {
		return dst, err
	}
	c.pos++ // '{'
	open := len(dst)
	dst = append(dst, '{')
	c.skipSpace()
	if c.pos < len(c.in) && c.in[c.pos] == '}' {
		c.pos++
		c.depth--
		return append(dst, '}'), nil
	}
	base := len(c.members)
	defer func() { c.members = c.members[:base] }()
	for {
		c.skipSpace()
		if c.pos >= len(c.in) || c.in[c.pos] != '"' {
			return dst, c.errorf("expected a string key in object")
		}
		key, err := c.str()
		if err != nil {
			return dst, err
		}
		c.skipSpace()
		if c.pos >= len(c.in) || c.in[c.pos] != ':' {
			return dst, c.errorf("expected ':' after object key %q", key)
		}
		c.pos++
		start := len(dst)
		dst = appendString(dst, key)
		dst = append(dst, ':')
		if dst, err = c.value(dst); err != nil {
			return dst, err
		}
		c.members = append(c.members, member{key: key, start: start, end: len(dst)})
		c.skipSpace()
		if c.pos >= len(c.in) {
			return dst, c.errorf("unexpected end of input in object")
		}
		if c.in[c.pos] == ',' {
			c.pos++
			dst = append(dst, ',')
			continue
		}
		if c.in[c.pos] != '}' {
			return dst, c.errorf("expected ',' or '}' in object, found %q", c.in[c.pos])
		}
		c.pos++
		c.depth--
		break
	}
	members := c.members[base:]
	byKey := func(a, b member) int { return bytes.Compare(a.key, b.key) }
	if !slices.IsSortedFunc(members, byKey) {
		slices.SortFunc(members, byKey)
		sorted := c.sorted[:0]
		for i, m := range members {
			if i > 0 {
				sorted = append(sorted, ',')
			}
			sorted = append(sorted, dst[m.start:m.end]...)
		}
		dst = append(dst[:open+1], sorted...)
		c.sorted = sorted
	}
	for i := 1; i < len(members); i++ {
		if bytes.Equal(members[i].key, members[i-1].key) {
			return dst, c.errorf("duplicate object key %q", members[i].key)
		}
	}
	return append(dst, '}'), nil
}

// str reads a JSON string at c.pos and returns its decoded value, sharing the
// input's bytes when the string has no escapes.
func (c *canonicalizer) str() ([]byte, error) {
	start := c.pos
	c.pos++ // opening quote
	plain := true
	for c.pos < len(c.in) {
		b := c.in[c.pos]
		switch {
		case b == '"':
			c.pos++
			body := c.in[start+1 : c.pos-1]
			if plain && utf8.Valid(body) {
				return body, nil
			}
			var s string
			if err := json.Unmarshal(c.in[start:c.pos], &s); err != nil {
				c.pos = start
				return nil, c.errorf("bad string: %v", err)
			}
			return []byte(s), nil
		case b == '\\':
			plain = false
			c.pos += 2
		case b < 0x20:
			return nil, c.errorf("control character in string")
		default:
			c.pos++
		}
	}
	return nil, c.errorf("unterminated string")
}

func (c *canonicalizer) number(dst []byte) ([]byte, error) {
	start := c.pos
	if c.in[c.pos] == '-' {
		c.pos++
	}
	digits := c.pos
	for c.pos < len(c.in) && '0' <= c.in[c.pos] && c.in[c.pos] <= '9' {
		c.pos++
	}
	if c.pos == digits || (c.in[digits] == '0' && c.pos-digits > 1) {
		c.pos = start
		return dst, c.errorf("bad number")
	}
	integer := true
	if c.pos < len(c.in) && c.in[c.pos] == '.' {
		integer = false
		c.pos++
		frac := c.pos
		for c.pos < len(c.in) && '0' <= c.in[c.pos] && c.in[c.pos] <= '9' {
			c.pos++
		}
		if c.pos == frac {
			return dst, c.errorf("bad number: no digits after '.'")
		}
	}
	if c.pos < len(c.in) && (c.in[c.pos] == 'e' || c.in[c.pos] == 'E') {
		integer = false
		c.pos++
		if c.pos < len(c.in) && (c.in[c.pos] == '+' || c.in[c.pos] == '-') {
			c.pos++
		}
		exp := c.pos
		for c.pos < len(c.in) && '0' <= c.in[c.pos] && c.in[c.pos] <= '9' {
			c.pos++
		}
		if c.pos == exp {
			return dst, c.errorf("bad number: no digits in exponent")
		}
	}
	lit := c.in[start:c.pos]
	if integer {
		if string(lit) == "-0" {
			return append(dst, '0'), nil
		}
		return append(dst, lit...), nil
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil || math.IsInf(f, 0) {
		c.pos = start
		return dst, c.errorf("number %s is out of range", lit)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		if f == 0 {
			return append(dst, '0'), nil
		}
		return strconv.AppendFloat(dst, f, 'f', -1, 64), nil
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64), nil
}

// AppendString appends s to dst as a canonical JSON string.
func AppendString(dst []byte, s string) []byte {
	return appendString(dst, s)
}

// safe marks the ASCII bytes a canonical string holds as they are.
var safe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// appendString appends s as a canonical JSON string, copying runs of bytes that
// need no escaping in one go.
func appendString[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"':
				dst = append(dst, '\\', '"')
			case '\\':
				dst = append(dst, '\\', '\\')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigit(b>>4), hexDigit(b&0xF))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func hexDigit(b byte) byte { return "0123456789abcdef"[b] }
