package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Path is a parsed JSONPath as the Amazon States Language uses it: "$" (the state's
// input) or "$$" (the context object), then fields (".name", "['name']"), array
// indexes ("[0]", "[-1]"), wildcards ("[*]", ".*") and slices ("[1:3]", "[:2]",
// "[-3:]"). A reference path (for ResultPath, ItemsPath, Choice variables and the
// Wait and Fail paths) has no wildcard and no slice; InputPath and OutputPath are
// paths, as the specification says.
//
// Slices follow Jayway JsonPath, which Step Functions evaluates paths with: start
// and end may be negative (counted from the end), either may be left out, both
// are clamped to the array, and the result is a list, empty when nothing is in
// range. Jayway has no slice step: "[0:4:2]" is refused.
//
// Not supported, with a clear error: filters ("[?(...)]"), unions ("[0,1]") and
// recursive descent ("..").
type Path struct {
	raw     string
	context bool
	steps   []step
}

type step struct {
	field    string
	index    int
	isIndex  bool
	wildcard bool
	// slice: [from:to], each bound optional (hasFrom, hasTo).
	slice          bool
	from, to       int
	hasFrom, hasTo bool
}

// ParsePath parses a path.
func ParsePath(s string) (*Path, error) {
	p := &Path{raw: s}
	rest, ok := strings.CutPrefix(s, "$$")
	if ok {
		p.context = true
	} else if rest, ok = strings.CutPrefix(s, "$"); !ok {
		return nil, fmt.Errorf("path %q must start with $ or $$", s)
	}
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, ".."):
			return nil, fmt.Errorf("path %q: recursive descent (..) is not supported", s)
		case strings.HasPrefix(rest, ".*"):
			p.steps = append(p.steps, step{wildcard: true})
			rest = rest[2:]
		case rest[0] == '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			name := rest[1 : end+1]
			if name == "" {
				return nil, fmt.Errorf("path %q: empty field name", s)
			}
			p.steps = append(p.steps, step{field: name})
			rest = rest[end+1:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if strings.HasPrefix(rest, "['") {
				end = strings.Index(rest, "']") + 1
			}
			if end <= 0 {
				return nil, fmt.Errorf("path %q: unclosed [", s)
			}
			inner := rest[1:end]
			switch {
			case inner == "*":
				p.steps = append(p.steps, step{wildcard: true})
			case strings.HasPrefix(inner, "'") && strings.HasSuffix(inner, "'") && len(inner) >= 2:
				p.steps = append(p.steps, step{field: inner[1 : len(inner)-1]})
			case strings.HasPrefix(inner, "?"):
				return nil, fmt.Errorf("path %q: filter expressions are not supported", s)
			case strings.Contains(inner, ","):
				return nil, fmt.Errorf("path %q: unions are not supported", s)
			case strings.Contains(inner, ":"):
				st, err := parseSlice(inner)
				if err != nil {
					return nil, fmt.Errorf("path %q: %w", s, err)
				}
				p.steps = append(p.steps, st)
			default:
				i, err := strconv.Atoi(inner)
				if err != nil {
					return nil, fmt.Errorf("path %q: %q is not an array index", s, inner)
				}
				p.steps = append(p.steps, step{index: i, isIndex: true})
			}
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("path %q: unexpected %q", s, rest[0])
		}
	}
	return p, nil
}

// parseSlice parses the inside of a slice, "from:to" with either left out.
func parseSlice(inner string) (step, error) {
	parts := strings.Split(inner, ":")
	if len(parts) != 2 {
		return step{}, fmt.Errorf("slice [%s]: a slice step is not supported (Step Functions' JSONPath has none)", inner)
	}
	st := step{slice: true}
	for i, bound := range []struct {
		dst *int
		has *bool
	}{{&st.from, &st.hasFrom}, {&st.to, &st.hasTo}} {
		text := strings.TrimSpace(parts[i])
		if text == "" {
			continue
		}
		n, err := strconv.Atoi(text)
		if err != nil {
			return step{}, fmt.Errorf("slice [%s]: %q is not an array index", inner, text)
		}
		*bound.dst, *bound.has = n, true
	}
	return st, nil
}

// bounds resolves a slice's bounds on an array of n elements: negative ones
// count from the end, and both are clamped to [0, n].
func (st step) bounds(n int) (int, int) {
	from, to := 0, n
	if st.hasFrom {
		from = st.from
	}
	if st.hasTo {
		to = st.to
	}
	clamp := func(i int) int {
		if i < 0 {
			i += n
		}
		return max(0, min(i, n))
	}
	return clamp(from), clamp(to)
}

// parseReference parses a reference path (no wildcards, no slices).
func parseReference(s string) (*Path, error) {
	p, err := ParsePath(s)
	if err != nil {
		return nil, err
	}
	for _, st := range p.steps {
		if st.wildcard || st.slice {
			return nil, fmt.Errorf("path %q: a reference path cannot hold a wildcard or a slice", s)
		}
	}
	return p, nil
}

func (p *Path) String() string { return p.raw }

// Get selects the path's value from input (or ctx for "$$" paths). A path with a
// wildcard or a slice returns a list of the matches.
func (p *Path) Get(input, ctx any) (any, error) {
	doc := input
	if p.context {
		doc = ctx
	}
	values := []any{doc}
	multi := false
	for _, st := range p.steps {
		var next []any
		for _, v := range values {
			switch {
			case st.wildcard:
				multi = true
				switch c := v.(type) {
				case map[string]any:
					for _, k := range sortedKeys(c) {
						next = append(next, c[k])
					}
				case []any:
					next = append(next, c...)
				}
			case st.slice:
				multi = true
				if arr, ok := v.([]any); ok {
					from, to := st.bounds(len(arr))
					if from < to {
						next = append(next, arr[from:to]...)
					}
				}
			case st.isIndex:
				arr, ok := v.([]any)
				i := st.index
				if ok && i < 0 {
					i += len(arr)
				}
				if !ok || i < 0 || i >= len(arr) {
					if multi {
						continue
					}
					return nil, fmt.Errorf("path %s: no element %d", p.raw, st.index)
				}
				next = append(next, arr[i])
			default:
				obj, ok := v.(map[string]any)
				field, found := obj[st.field]
				if !ok || !found {
					if multi {
						continue
					}
					return nil, fmt.Errorf("path %s: no field %q", p.raw, st.field)
				}
				next = append(next, field)
			}
		}
		values = next
	}
	if multi {
		if values == nil {
			values = []any{}
		}
		return values, nil
	}
	return values[0], nil
}

// Set returns doc with value placed at the path, creating objects on the way, as
// ResultPath does. "$" replaces doc entirely.
func (p *Path) Set(doc, value any) (any, error) {
	if len(p.steps) == 0 {
		return value, nil
	}
	root, ok := deepCopy(doc).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("ResultPath %s: the state's input is not an object", p.raw)
	}
	cur := root
	for i, st := range p.steps {
		if st.isIndex || st.wildcard || st.slice {
			return nil, fmt.Errorf("ResultPath %s: only fields can be set", p.raw)
		}
		if i == len(p.steps)-1 {
			cur[st.field] = value
			break
		}
		next, ok := cur[st.field].(map[string]any)
		if !ok {
			if _, exists := cur[st.field]; exists {
				return nil, fmt.Errorf("ResultPath %s: field %q is not an object", p.raw, st.field)
			}
			next = map[string]any{}
			cur[st.field] = next
		}
		cur = next
	}
	return root, nil
}

// deepCopy copies JSON values so that setting a path never changes a shared input.
func deepCopy(v any) any {
	switch c := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(c))
		for k, e := range c {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(c))
		for i, e := range c {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

// Decode parses JSON text into the values this package works with: objects as
// map[string]any, numbers as json.Number (so they keep every digit).
func Decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}
