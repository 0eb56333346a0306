package asl

import (
	"fmt"
	"strings"
)

// Template is a parsed payload template (Parameters, ResultSelector, ItemSelector):
// a JSON value in which object keys ending ".$" take their value from a path
// ("$.x" on the input, "$$.x" on the context object) or an intrinsic function.
type Template struct {
	literal any
	object  map[string]*Template
	keys    []string // output keys of object, in order
	array   []*Template
	path    *Path
	call    *call
	isArray bool
}

// ParseTemplate parses a payload template; where names the field in errors.
func ParseTemplate(v any, where string) (*Template, error) {
	switch c := v.(type) {
	case map[string]any:
		t := &Template{object: map[string]*Template{}}
		for _, k := range sortedKeys(c) {
			name, dynamic := strings.CutSuffix(k, ".$")
			if !dynamic {
				sub, err := ParseTemplate(c[k], where+"."+k)
				if err != nil {
					return nil, err
				}
				t.object[k], t.keys = sub, append(t.keys, k)
				continue
			}
			s, ok := c[k].(string)
			if !ok {
				return nil, fmt.Errorf("%s.%s: a .$ field must hold a path or an intrinsic function", where, k)
			}
			sub := &Template{}
			var err error
			if isIntrinsic(s) {
				sub.call, err = parseCall(s)
			} else {
				sub.path, err = ParsePath(s)
			}
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", where, k, err)
			}
			if _, clash := t.object[name]; clash {
				return nil, fmt.Errorf("%s: both %q and %q", where, name, k)
			}
			t.object[name], t.keys = sub, append(t.keys, name)
		}
		return t, nil
	case []any:
		t := &Template{isArray: true}
		for i, e := range c {
			sub, err := ParseTemplate(e, fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			t.array = append(t.array, sub)
		}
		return t, nil
	}
	return &Template{literal: v}, nil
}

// Eval builds the template's value from input and the context object.
func (t *Template) Eval(input, ctx any) (any, error) {
	switch {
	case t.path != nil:
		return t.path.Get(input, ctx)
	case t.call != nil:
		v, err := t.call.eval(input, ctx)
		if err != nil {
			return nil, &Failure{Name: IntrinsicFailure, Cause: err.Error()}
		}
		return v, nil
	case t.object != nil:
		out := make(map[string]any, len(t.object))
		for _, k := range t.keys {
			v, err := t.object[k].Eval(input, ctx)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case t.isArray:
		out := make([]any, len(t.array))
		for i, e := range t.array {
			v, err := e.Eval(input, ctx)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return deepCopy(t.literal), nil
}

// optionalPath is a path field that may be absent (keep the default), null
// (discard) or a path: a reference path when the field says so.
type optionalPath struct {
	set  bool // the field was given
	null bool // it was null
	path *Path
}

func parseOptionalPath(raw any, present, reference bool, where string) (optionalPath, error) {
	if !present {
		return optionalPath{}, nil
	}
	if raw == nil {
		return optionalPath{set: true, null: true}, nil
	}
	s, ok := raw.(string)
	if !ok {
		return optionalPath{}, fmt.Errorf("%s: must be a path or null", where)
	}
	parse := ParsePath
	if reference {
		parse = parseReference
	}
	p, err := parse(s)
	if err != nil {
		return optionalPath{}, fmt.Errorf("%s: %w", where, err)
	}
	return optionalPath{set: true, path: p}, nil
}

// Failure is a state's error: a name such as "States.TaskFailed" and a cause, as
// a Catch's ResultPath receives it ({"Error", "Cause"}).
type Failure struct {
	Name  string `json:"Error"`
	Cause string `json:"Cause"`
}

func (f *Failure) Error() string { return f.Name + ": " + f.Cause }

// runtimeError is the error of a path or value that does not fit at run time.
func runtimeError(err error) *Failure {
	if f, ok := err.(*Failure); ok {
		return f
	}
	return &Failure{Name: "States.Runtime", Cause: err.Error()}
}
