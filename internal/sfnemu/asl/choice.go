package asl

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// rule is one Choice rule: a comparison of Variable, or And / Or / Not of others.
type rule struct {
	variable  *Path
	op        string
	value     any
	valuePath *Path
	and, or   []*rule
	not       *rule
	next      string // top-level rules only
}

// comparators are the comparison operators, without their "Path" variants.
var comparators = map[string]bool{
	"StringEquals": true, "StringLessThan": true, "StringGreaterThan": true,
	"StringLessThanEquals": true, "StringGreaterThanEquals": true, "StringMatches": true,
	"NumericEquals": true, "NumericLessThan": true, "NumericGreaterThan": true,
	"NumericLessThanEquals": true, "NumericGreaterThanEquals": true,
	"BooleanEquals":   true,
	"TimestampEquals": true, "TimestampLessThan": true, "TimestampGreaterThan": true,
	"TimestampLessThanEquals": true, "TimestampGreaterThanEquals": true,
	"IsNull": true, "IsPresent": true, "IsNumeric": true, "IsString": true, "IsBoolean": true, "IsTimestamp": true,
}

func parseRule(m map[string]any, top bool, where string) (*rule, error) {
	r := &rule{}
	if top {
		next, ok := m["Next"].(string)
		if !ok || next == "" {
			return nil, fmt.Errorf("%s: a choice rule needs Next", where)
		}
		r.next = next
	} else if _, has := m["Next"]; has {
		return nil, fmt.Errorf("%s: only top-level choice rules have Next", where)
	}
	subRules := func(key string) ([]*rule, error) {
		list, ok := m[key].([]any)
		if !ok || len(list) == 0 {
			return nil, fmt.Errorf("%s.%s: must be a non-empty list of rules", where, key)
		}
		var out []*rule
		for i, e := range list {
			sm, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s.%s[%d]: must be a rule", where, key, i)
			}
			sub, err := parseRule(sm, false, fmt.Sprintf("%s.%s[%d]", where, key, i))
			if err != nil {
				return nil, err
			}
			out = append(out, sub)
		}
		return out, nil
	}
	var err error
	switch {
	case m["And"] != nil:
		r.and, err = subRules("And")
		return r, err
	case m["Or"] != nil:
		r.or, err = subRules("Or")
		return r, err
	case m["Not"] != nil:
		sm, ok := m["Not"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s.Not: must be a rule", where)
		}
		r.not, err = parseRule(sm, false, where+".Not")
		return r, err
	}
	v, ok := m["Variable"].(string)
	if !ok {
		return nil, fmt.Errorf("%s: a choice rule needs Variable, And, Or or Not", where)
	}
	if r.variable, err = parseReference(v); err != nil {
		return nil, fmt.Errorf("%s.Variable: %w", where, err)
	}
	for k, val := range m {
		if k == "Variable" || k == "Next" {
			continue
		}
		op, isPath := strings.CutSuffix(k, "Path")
		if !comparators[op] || (isPath && (op == "StringMatches" || strings.HasPrefix(op, "Is"))) {
			return nil, fmt.Errorf("%s: unknown field %q", where, k)
		}
		if r.op != "" {
			return nil, fmt.Errorf("%s: one comparison per rule, found %s and %s", where, r.op, k)
		}
		r.op = op
		if isPath {
			s, ok := val.(string)
			if !ok {
				return nil, fmt.Errorf("%s.%s: must be a path", where, k)
			}
			if r.valuePath, err = parseReference(s); err != nil {
				return nil, fmt.Errorf("%s.%s: %w", where, k, err)
			}
			continue
		}
		if err := checkOperand(op, val); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", where, k, err)
		}
		r.value = val
	}
	if r.op == "" {
		return nil, fmt.Errorf("%s: no comparison operator", where)
	}
	return r, nil
}

// checkOperand checks a literal comparison value's type.
func checkOperand(op string, v any) error {
	switch {
	case strings.HasPrefix(op, "String") || strings.HasPrefix(op, "Timestamp"):
		if _, ok := v.(string); !ok {
			return fmt.Errorf("needs a string")
		}
		if strings.HasPrefix(op, "Timestamp") {
			if _, ok := timestamp(v); !ok {
				return fmt.Errorf("%v is not an RFC 3339 timestamp", v)
			}
		}
	case strings.HasPrefix(op, "Numeric"):
		if _, ok := v.(json.Number); !ok {
			return fmt.Errorf("needs a number")
		}
	case op == "BooleanEquals" || strings.HasPrefix(op, "Is"):
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("needs true or false")
		}
	}
	return nil
}

// eval evaluates the rule on input.
func (r *rule) eval(input, ctx any) (bool, error) {
	switch {
	case r.and != nil:
		for _, sub := range r.and {
			if ok, err := sub.eval(input, ctx); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.or != nil:
		for _, sub := range r.or {
			if ok, err := sub.eval(input, ctx); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.not != nil:
		ok, err := r.not.eval(input, ctx)
		return !ok, err
	}
	v, err := r.variable.Get(input, ctx)
	if r.op == "IsPresent" {
		return (err == nil) == r.value.(bool), nil
	}
	if err != nil {
		return false, err
	}
	want := r.value
	if r.valuePath != nil {
		if want, err = r.valuePath.Get(input, ctx); err != nil {
			return false, err
		}
	}
	return compare(r.op, v, want), nil
}

// compare applies a comparison; values of the wrong type compare false.
func compare(op string, v, want any) bool {
	switch op {
	case "IsNull":
		return (v == nil) == want.(bool)
	case "IsNumeric":
		_, ok := v.(json.Number)
		return ok == want.(bool)
	case "IsString":
		_, ok := v.(string)
		return ok == want.(bool)
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == want.(bool)
	case "IsTimestamp":
		_, ok := timestamp(v)
		return ok == want.(bool)
	case "BooleanEquals":
		b, ok := v.(bool)
		w, wok := want.(bool)
		return ok && wok && b == w
	case "StringMatches":
		s, ok := v.(string)
		pattern, pok := want.(string)
		return ok && pok && matches(s, pattern)
	}
	var c int
	switch {
	case strings.HasPrefix(op, "String"):
		s, ok := v.(string)
		w, wok := want.(string)
		if !ok || !wok {
			return false
		}
		c = strings.Compare(s, w)
	case strings.HasPrefix(op, "Numeric"):
		a, ok := number(v)
		b, wok := number(want)
		if !ok || !wok {
			return false
		}
		c = cmp.Compare(a, b)
	case strings.HasPrefix(op, "Timestamp"):
		a, ok := timestamp(v)
		b, wok := timestamp(want)
		if !ok || !wok {
			return false
		}
		c = a.Compare(b)
	}
	switch {
	case strings.HasSuffix(op, "LessThanEquals"):
		return c <= 0
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return c >= 0
	case strings.HasSuffix(op, "LessThan"):
		return c < 0
	case strings.HasSuffix(op, "GreaterThan"):
		return c > 0
	}
	return c == 0 // ...Equals
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func timestamp(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// matches reports whether s matches pattern, in which * matches any run of
// characters and \* and \\ stand for * and \.
func matches(s, pattern string) bool {
	var parts []string // literal pieces between unescaped stars
	var cur strings.Builder
	for i := 0; i < len(pattern); i++ {
		switch {
		case pattern[i] == '\\' && i+1 < len(pattern):
			i++
			cur.WriteByte(pattern[i])
		case pattern[i] == '*':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(pattern[i])
		}
	}
	parts = append(parts, cur.String())
	if len(parts) == 1 {
		return s == parts[0]
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
