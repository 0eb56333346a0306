package asl

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// IntrinsicFailure is the error name of a failed intrinsic function.
const IntrinsicFailure = "States.IntrinsicFailure"

// call is a parsed intrinsic function call, such as States.Format('{}', $.a).
type call struct {
	name string
	args []arg
}

// arg is a literal value, a path, or a nested call.
type arg struct {
	literal any
	// template is a string literal with \{ and \} still escaped, for States.Format.
	template string
	path     *Path
	call     *call
}

// formatTemplate is a States.Format template written as a literal: its \{ and \}
// are braces, not placeholders.
type formatTemplate string

// isIntrinsic reports whether s looks like an intrinsic function call.
func isIntrinsic(s string) bool { return strings.HasPrefix(s, "States.") && strings.HasSuffix(s, ")") }

// parseCall parses an intrinsic function call.
func parseCall(s string) (*call, error) {
	p := &callParser{src: s}
	c, err := p.call()
	if err != nil {
		return nil, fmt.Errorf("intrinsic %q: %w", s, err)
	}
	p.space()
	if p.pos != len(s) {
		return nil, fmt.Errorf("intrinsic %q: unexpected %q after the call", s, s[p.pos:])
	}
	return c, nil
}

type callParser struct {
	src string
	pos int
}

func (p *callParser) space() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *callParser) call() (*call, error) {
	open := strings.IndexByte(p.src[p.pos:], '(')
	if open < 0 {
		return nil, fmt.Errorf("no '('")
	}
	c := &call{name: strings.TrimSpace(p.src[p.pos : p.pos+open])}
	if _, ok := intrinsics[c.name]; !ok {
		return nil, fmt.Errorf("unknown function %s", c.name)
	}
	p.pos += open + 1
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
		return c, nil
	}
	for {
		p.space()
		a, err := p.arg()
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, a)
		p.space()
		if p.pos >= len(p.src) {
			return nil, fmt.Errorf("unclosed call to %s", c.name)
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ')':
			p.pos++
			return c, nil
		default:
			return nil, fmt.Errorf("unexpected %q in the arguments of %s", p.src[p.pos], c.name)
		}
	}
}

func (p *callParser) arg() (arg, error) {
	rest := p.src[p.pos:]
	switch {
	case strings.HasPrefix(rest, "'"):
		var b, tmpl strings.Builder
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				if i+1 < len(rest) {
					i++
					if !strings.ContainsRune(`'{}\`, rune(rest[i])) {
						b.WriteByte('\\')
						tmpl.WriteByte('\\')
					}
					if rest[i] == '{' || rest[i] == '}' {
						tmpl.WriteByte('\\')
					}
					b.WriteByte(rest[i])
					tmpl.WriteByte(rest[i])
				}
			case '\'':
				p.pos += i + 1
				return arg{literal: b.String(), template: tmpl.String()}, nil
			default:
				b.WriteByte(rest[i])
				tmpl.WriteByte(rest[i])
			}
		}
		return arg{}, fmt.Errorf("unclosed string")
	case strings.HasPrefix(rest, "$"):
		end := strings.IndexAny(rest, ",)")
		if end < 0 {
			end = len(rest)
		}
		path, err := ParsePath(strings.TrimSpace(rest[:end]))
		if err != nil {
			return arg{}, err
		}
		p.pos += end
		return arg{path: path}, nil
	case strings.HasPrefix(rest, "States."):
		c, err := p.call()
		return arg{call: c}, err
	}
	end := strings.IndexAny(rest, ",)")
	if end < 0 {
		end = len(rest)
	}
	word := strings.TrimSpace(rest[:end])
	p.pos += end
	switch word {
	case "true":
		return arg{literal: true}, nil
	case "false":
		return arg{literal: false}, nil
	case "null":
		return arg{literal: nil}, nil
	}
	if _, err := strconv.ParseFloat(word, 64); err != nil {
		return arg{}, fmt.Errorf("argument %q is not a string, number, boolean, null, path or call", word)
	}
	return arg{literal: json.Number(word)}, nil
}

// eval evaluates a call against the state's input and the context object.
func (c *call) eval(input, ctx any) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		switch {
		case a.path != nil:
			v, err := a.path.Get(input, ctx)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case a.call != nil:
			v, err := a.call.eval(input, ctx)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case i == 0 && c.name == "States.Format" && a.template != "":
			args[i] = formatTemplate(a.template)
		default:
			args[i] = a.literal
		}
	}
	return intrinsics[c.name](args)
}

// intrinsics are the functions of the Amazon States Language, by name.
var intrinsics = map[string]func([]any) (any, error){
	"States.Format":         format,
	"States.StringToJson":   stringToJSON,
	"States.JsonToString":   jsonToString,
	"States.Array":          func(a []any) (any, error) { return append([]any{}, a...), nil },
	"States.ArrayPartition": arrayPartition,
	"States.ArrayContains":  arrayContains,
	"States.ArrayRange":     arrayRange,
	"States.ArrayGetItem":   arrayGetItem,
	"States.ArrayLength":    arrayLength,
	"States.ArrayUnique":    arrayUnique,
	"States.Base64Encode":   base64Encode,
	"States.Base64Decode":   base64Decode,
	"States.Hash":           hashOf,
	"States.JsonMerge":      jsonMerge,
	"States.MathRandom":     mathRandom,
	"States.MathAdd":        mathAdd,
	"States.StringSplit":    stringSplit,
	"States.UUID":           uuid,
}

func want(name string, args []any, n int) error {
	if len(args) != n {
		return fmt.Errorf("%s takes %d argument(s), got %d", name, n, len(args))
	}
	return nil
}

func asString(name string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: %v is not a string", name, render(v))
	}
	return s, nil
}

func asInt(name string, v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%s: %v is not a number", name, render(v))
	}
	i, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil || f != math.Trunc(f) {
			return 0, fmt.Errorf("%s: %v is not an integer", name, n)
		}
		i = int64(f)
	}
	return i, nil
}

func asArray(name string, v any) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: %v is not an array", name, render(v))
	}
	return a, nil
}

// render writes a value as JSON for messages and States.Format.
func render(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func format(args []any) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("States.Format needs a template")
	}
	tmpl, escaped := args[0].(formatTemplate)
	if !escaped {
		s, err := asString("States.Format", args[0])
		if err != nil {
			return nil, err
		}
		tmpl = formatTemplate(s)
	}
	var b strings.Builder
	next := 1
	for i := 0; i < len(tmpl); i++ {
		if escaped && tmpl[i] == '\\' && i+1 < len(tmpl) && (tmpl[i+1] == '{' || tmpl[i+1] == '}') {
			b.WriteByte(tmpl[i+1])
			i++
			continue
		}
		if tmpl[i] == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
			if next >= len(args) {
				return nil, fmt.Errorf("States.Format: more {} than arguments")
			}
			v := args[next]
			if _, isObj := v.(map[string]any); isObj {
				return nil, fmt.Errorf("States.Format: an object cannot fill {}")
			}
			if _, isArr := v.([]any); isArr {
				return nil, fmt.Errorf("States.Format: an array cannot fill {}")
			}
			b.WriteString(render(v))
			next++
			i++
			continue
		}
		b.WriteByte(tmpl[i])
	}
	if next != len(args) {
		return nil, fmt.Errorf("States.Format: %d argument(s) for %d {}", len(args)-1, next-1)
	}
	return b.String(), nil
}

func stringToJSON(args []any) (any, error) {
	if err := want("States.StringToJson", args, 1); err != nil {
		return nil, err
	}
	s, err := asString("States.StringToJson", args[0])
	if err != nil {
		return nil, err
	}
	v, err := Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("States.StringToJson: %w", err)
	}
	return v, nil
}

func jsonToString(args []any) (any, error) {
	if err := want("States.JsonToString", args, 1); err != nil {
		return nil, err
	}
	b, err := json.Marshal(args[0])
	return string(b), err
}

func arrayPartition(args []any) (any, error) {
	if err := want("States.ArrayPartition", args, 2); err != nil {
		return nil, err
	}
	a, err := asArray("States.ArrayPartition", args[0])
	if err != nil {
		return nil, err
	}
	size, err := asInt("States.ArrayPartition", args[1])
	if err != nil || size <= 0 {
		return nil, fmt.Errorf("States.ArrayPartition: the chunk size must be a positive integer")
	}
	out := []any{}
	for i := 0; i < len(a); i += int(size) {
		out = append(out, append([]any{}, a[i:min(len(a), i+int(size))]...))
	}
	return out, nil
}

func arrayContains(args []any) (any, error) {
	if err := want("States.ArrayContains", args, 2); err != nil {
		return nil, err
	}
	a, err := asArray("States.ArrayContains", args[0])
	if err != nil {
		return nil, err
	}
	return slices.ContainsFunc(a, func(v any) bool { return equalJSON(v, args[1]) }), nil
}

func arrayRange(args []any) (any, error) {
	if err := want("States.ArrayRange", args, 3); err != nil {
		return nil, err
	}
	var n [3]int64
	for i := range n {
		v, err := asInt("States.ArrayRange", args[i])
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	if n[2] == 0 {
		return nil, fmt.Errorf("States.ArrayRange: the step must not be 0")
	}
	out := []any{}
	for v := n[0]; (n[2] > 0 && v <= n[1]) || (n[2] < 0 && v >= n[1]); v += n[2] {
		if len(out) == 1000 {
			return nil, fmt.Errorf("States.ArrayRange: more than 1000 items")
		}
		out = append(out, json.Number(strconv.FormatInt(v, 10)))
	}
	return out, nil
}

func arrayGetItem(args []any) (any, error) {
	if err := want("States.ArrayGetItem", args, 2); err != nil {
		return nil, err
	}
	a, err := asArray("States.ArrayGetItem", args[0])
	if err != nil {
		return nil, err
	}
	i, err := asInt("States.ArrayGetItem", args[1])
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(a)) {
		return nil, fmt.Errorf("States.ArrayGetItem: index %d is out of range (length %d)", i, len(a))
	}
	return a[i], nil
}

func arrayLength(args []any) (any, error) {
	if err := want("States.ArrayLength", args, 1); err != nil {
		return nil, err
	}
	a, err := asArray("States.ArrayLength", args[0])
	if err != nil {
		return nil, err
	}
	return json.Number(strconv.Itoa(len(a))), nil
}

func arrayUnique(args []any) (any, error) {
	if err := want("States.ArrayUnique", args, 1); err != nil {
		return nil, err
	}
	a, err := asArray("States.ArrayUnique", args[0])
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, v := range a {
		if !slices.ContainsFunc(out, func(w any) bool { return equalJSON(v, w) }) {
			out = append(out, v)
		}
	}
	return out, nil
}

func base64Encode(args []any) (any, error) {
	if err := want("States.Base64Encode", args, 1); err != nil {
		return nil, err
	}
	s, err := asString("States.Base64Encode", args[0])
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(args []any) (any, error) {
	if err := want("States.Base64Decode", args, 1); err != nil {
		return nil, err
	}
	s, err := asString("States.Base64Decode", args[0])
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("States.Base64Decode: %w", err)
	}
	return string(b), nil
}

func hashOf(args []any) (any, error) {
	if err := want("States.Hash", args, 2); err != nil {
		return nil, err
	}
	algo, err := asString("States.Hash", args[1])
	if err != nil {
		return nil, err
	}
	var h hash.Hash
	switch algo {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("States.Hash: %q is not MD5, SHA-1, SHA-256, SHA-384 or SHA-512", algo)
	}
	h.Write([]byte(render(args[0])))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func jsonMerge(args []any) (any, error) {
	if err := want("States.JsonMerge", args, 3); err != nil {
		return nil, err
	}
	a, okA := args[0].(map[string]any)
	b, okB := args[1].(map[string]any)
	if !okA || !okB {
		return nil, fmt.Errorf("States.JsonMerge: both arguments must be objects")
	}
	if deep, _ := args[2].(bool); deep {
		return nil, fmt.Errorf("States.JsonMerge: only a shallow merge (false) is supported, as in Step Functions")
	}
	out := deepCopy(a).(map[string]any)
	for k, v := range b {
		out[k] = deepCopy(v)
	}
	return out, nil
}

func mathRandom(args []any) (any, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, fmt.Errorf("States.MathRandom takes 2 or 3 arguments, got %d", len(args))
	}
	lo, err := asInt("States.MathRandom", args[0])
	if err != nil {
		return nil, err
	}
	hi, err := asInt("States.MathRandom", args[1])
	if err != nil {
		return nil, err
	}
	if hi <= lo {
		return nil, fmt.Errorf("States.MathRandom: the end must be greater than the start")
	}
	n, err := rand.Int(rand.Reader, big.NewInt(hi-lo))
	if err != nil {
		return nil, err
	}
	return json.Number(strconv.FormatInt(lo+n.Int64(), 10)), nil
}

func mathAdd(args []any) (any, error) {
	if err := want("States.MathAdd", args, 2); err != nil {
		return nil, err
	}
	a, err := asInt("States.MathAdd", args[0])
	if err != nil {
		return nil, err
	}
	b, err := asInt("States.MathAdd", args[1])
	if err != nil {
		return nil, err
	}
	return json.Number(strconv.FormatInt(a+b, 10)), nil
}

func stringSplit(args []any) (any, error) {
	if err := want("States.StringSplit", args, 2); err != nil {
		return nil, err
	}
	s, err := asString("States.StringSplit", args[0])
	if err != nil {
		return nil, err
	}
	seps, err := asString("States.StringSplit", args[1])
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		out = append(out, part)
	}
	return out, nil
}

func uuid(args []any) (any, error) {
	if err := want("States.UUID", args, 0); err != nil {
		return nil, err
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// equalJSON compares JSON values, numbers by value.
func equalJSON(a, b any) bool {
	an, aNum := a.(json.Number)
	bn, bNum := b.(json.Number)
	if aNum && bNum {
		af, errA := an.Float64()
		bf, errB := bn.Float64()
		return errA == nil && errB == nil && af == bf
	}
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return string(ab) == string(bb)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
