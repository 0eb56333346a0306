package asl

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Definition is a parsed, validated state machine.
type Definition struct {
	Comment        string
	StartAt        string
	TimeoutSeconds int64
	States         map[string]*State
}

// State is one state, its fields parsed.
type State struct {
	Name    string
	Type    string
	Next    string
	End     bool
	Comment string

	InputPath, OutputPath, ResultPath optionalPath
	Parameters, ResultSelector        *Template
	Result                            any // Pass
	hasResult                         bool

	// Task
	Resource         string
	TimeoutSeconds   int64
	TimeoutPath      *Path
	HeartbeatSeconds int64
	HeartbeatPath    *Path
	Retry            []Retrier
	Catch            []Catcher

	// Choice
	Choices []*rule
	Default string

	// Wait
	Seconds       int64
	SecondsPath   *Path
	Timestamp     string
	TimestampPath *Path

	// Fail: ErrorPath and CausePath are reference paths or intrinsic functions
	// (a Template holding one of them).
	ErrorName, Cause     string
	ErrorPath, CausePath *Template

	// Parallel: its branches; Map: its item processor (Branches[0]).
	Branches     []*Definition
	ItemsPath    optionalPath
	ItemSelector *Template
}

// Retrier is one Retry entry.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds float64
	MaxAttempts     int
	BackoffRate     float64
	MaxDelaySeconds float64
	JitterFull      bool
}

// Catcher is one Catch entry.
type Catcher struct {
	ErrorEquals []string
	ResultPath  optionalPath
	Next        string
}

// supported lists the state types the interpreter runs.
var supported = map[string]bool{"Task": true, "Pass": true, "Choice": true, "Wait": true, "Succeed": true, "Fail": true,
	"Parallel": true, "Map": true}

// fields lists the fields each state type may have (besides Type and Comment).
var fields = map[string][]string{
	"Task": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Resource",
		"TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Retry", "Catch"},
	"Pass":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result"},
	"Choice":   {"InputPath", "OutputPath", "Choices", "Default"},
	"Wait":     {"Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
	"Succeed":  {"InputPath", "OutputPath"},
	"Parallel": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Branches", "Retry", "Catch"},
	"Map": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "ItemsPath",
		"ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency", "Retry", "Catch"},
	"Fail": {"Error", "ErrorPath", "Cause", "CausePath"},
}

// Parse reads a definition (JSON), replacing ${Name} placeholders with
// substitutions first, as Step Functions' DefinitionSubstitutions do, and checks it.
func Parse(data []byte, substitutions map[string]string) (*Definition, error) {
	text := string(data)
	for k, v := range substitutions {
		text = strings.ReplaceAll(text, "${"+k+"}", v)
	}
	raw, err := Decode([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("definition: invalid JSON: %w", err)
	}
	top, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("definition: must be an object")
	}
	if ql, ok := top["QueryLanguage"]; ok && ql != "JSONPath" {
		return nil, fmt.Errorf("definition: QueryLanguage %v is not supported (only JSONPath)", ql)
	}
	def, err := parseScope(top, "")
	if err != nil {
		return nil, err
	}
	if t, ok := top["TimeoutSeconds"]; ok {
		if def.TimeoutSeconds, err = positiveInt(t); err != nil {
			return nil, fmt.Errorf("definition: TimeoutSeconds: %w", err)
		}
	}
	return def, nil
}

// parseScope parses {StartAt, States}: the definition itself, a Parallel branch or
// a Map's item processor. prefix locates it in errors ("" at the top).
func parseScope(obj map[string]any, prefix string) (*Definition, error) {
	def := &Definition{States: map[string]*State{}}
	def.StartAt, _ = obj["StartAt"].(string)
	def.Comment, _ = obj["Comment"].(string)
	states, ok := obj["States"].(map[string]any)
	if !ok || len(states) == 0 {
		return nil, fmt.Errorf("%sdefinition: States must be a non-empty object", prefix)
	}
	for name, v := range states {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%sstate %s: must be an object", prefix, name)
		}
		st, err := parseState(prefix, name, m)
		if err != nil {
			return nil, err
		}
		def.States[name] = st
	}
	return def, def.check(prefix)
}

func positiveInt(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("must be a positive integer")
	}
	i, err := n.Int64()
	if err != nil || i <= 0 {
		return 0, fmt.Errorf("must be a positive integer")
	}
	return i, nil
}

func parseState(prefix, name string, m map[string]any) (*State, error) {
	where := prefix + "state " + name
	st := &State{Name: name}
	st.Type, _ = m["Type"].(string)
	if !supported[st.Type] {
		return nil, fmt.Errorf("%s: unknown Type %q", where, st.Type)
	}
	allowed := append([]string{"Type", "Comment"}, fields[st.Type]...)
	for k := range m {
		if !contains(allowed, k) {
			switch k {
			case "ItemReader", "ResultWriter", "ItemBatcher", "ToleratedFailurePercentage", "ToleratedFailureCount",
				"ToleratedFailurePercentagePath", "ToleratedFailureCountPath", "Label":
				return nil, fmt.Errorf("%s: %s (distributed map and failure tolerance) is not supported", where, k)
			}
			return nil, fmt.Errorf("%s: field %s is not allowed in a %s state", where, k, st.Type)
		}
	}
	st.Comment, _ = m["Comment"].(string)
	st.Next, _ = m["Next"].(string)
	st.End, _ = m["End"].(bool)
	var err error
	for _, f := range []struct {
		name      string
		dst       *optionalPath
		reference bool
	}{{"InputPath", &st.InputPath, false}, {"OutputPath", &st.OutputPath, false}, {"ResultPath", &st.ResultPath, true}} {
		v, present := m[f.name]
		if *f.dst, err = parseOptionalPath(v, present, f.reference, where+"."+f.name); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		name string
		dst  **Template
	}{{"Parameters", &st.Parameters}, {"ResultSelector", &st.ResultSelector}} {
		if v, ok := m[f.name]; ok {
			if *f.dst, err = ParseTemplate(v, where+"."+f.name); err != nil {
				return nil, err
			}
		}
	}
	st.Result, st.hasResult = m["Result"]
	switch st.Type {
	case "Task":
		err = parseTask(st, m, where)
	case "Choice":
		err = parseChoice(st, m, where)
	case "Wait":
		err = parseWait(st, m, where)
	case "Fail":
		err = parseFail(st, m, where)
	case "Parallel":
		err = parseParallel(st, m, where)
	case "Map":
		err = parseMap(st, m, where)
	}
	if err == nil && (st.Type == "Parallel" || st.Type == "Map") {
		err = parseRetryCatch(st, m, where)
	}
	return st, err
}

func parseParallel(st *State, m map[string]any, where string) error {
	list, ok := m["Branches"].([]any)
	if !ok || len(list) == 0 {
		return fmt.Errorf("%s: Branches must be a non-empty list", where)
	}
	for i, b := range list {
		obj, ok := b.(map[string]any)
		if !ok {
			return fmt.Errorf("%s.Branches[%d]: must be an object", where, i)
		}
		def, err := parseScope(obj, fmt.Sprintf("%s.Branches[%d]: ", where, i))
		if err != nil {
			return err
		}
		st.Branches = append(st.Branches, def)
	}
	return nil
}

func parseMap(st *State, m map[string]any, where string) error {
	proc, ok := m["ItemProcessor"].(map[string]any)
	if !ok {
		if proc, ok = m["Iterator"].(map[string]any); !ok {
			return fmt.Errorf("%s: ItemProcessor is required", where)
		}
	}
	if cfg, ok := proc["ProcessorConfig"].(map[string]any); ok && cfg["Mode"] != nil && cfg["Mode"] != "INLINE" {
		return fmt.Errorf("%s.ItemProcessor: only INLINE mode is supported", where)
	}
	delete(proc, "ProcessorConfig")
	def, err := parseScope(proc, where+".ItemProcessor: ")
	if err != nil {
		return err
	}
	st.Branches = []*Definition{def}
	v, present := m["ItemsPath"]
	if st.ItemsPath, err = parseOptionalPath(v, present, true, where+".ItemsPath"); err != nil {
		return err
	}
	selector, hasSelector := m["ItemSelector"]
	if !hasSelector {
		selector, hasSelector = m["Parameters"] // the older name, when ItemSelector is absent
		st.Parameters = nil
	}
	if hasSelector {
		if st.ItemSelector, err = ParseTemplate(selector, where+".ItemSelector"); err != nil {
			return err
		}
	}
	return nil
}

func parseTask(st *State, m map[string]any, where string) error {
	var err error
	st.Resource, _ = m["Resource"].(string)
	if st.Resource == "" {
		return fmt.Errorf("%s: Resource is required", where)
	}
	for _, f := range []struct {
		name, pathName string
		n              *int64
		p              **Path
	}{{"TimeoutSeconds", "TimeoutSecondsPath", &st.TimeoutSeconds, &st.TimeoutPath},
		{"HeartbeatSeconds", "HeartbeatSecondsPath", &st.HeartbeatSeconds, &st.HeartbeatPath}} {
		if v, ok := m[f.name]; ok {
			if *f.n, err = positiveInt(v); err != nil {
				return fmt.Errorf("%s.%s: %w", where, f.name, err)
			}
		}
		if v, ok := m[f.pathName].(string); ok {
			if *f.p, err = parseReference(v); err != nil {
				return fmt.Errorf("%s.%s: %w", where, f.pathName, err)
			}
		}
	}
	return parseRetryCatch(st, m, where)
}

// parseRetryCatch reads the Retry and Catch of a Task, Parallel or Map state.
func parseRetryCatch(st *State, m map[string]any, where string) error {
	if list, ok := m["Retry"].([]any); ok {
		for i, e := range list {
			r, err := parseRetrier(e, fmt.Sprintf("%s.Retry[%d]", where, i))
			if err != nil {
				return err
			}
			st.Retry = append(st.Retry, r)
		}
	}
	if list, ok := m["Catch"].([]any); ok {
		for i, e := range list {
			c, err := parseCatcher(e, fmt.Sprintf("%s.Catch[%d]", where, i))
			if err != nil {
				return err
			}
			st.Catch = append(st.Catch, c)
		}
	}
	return nil
}

func errorNames(v any, where string) ([]string, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("%s.ErrorEquals: must be a non-empty list", where)
	}
	var names []string
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%s.ErrorEquals: must hold strings", where)
		}
		names = append(names, s)
	}
	if i := slicesIndex(names, "States.ALL"); i >= 0 && len(names) != 1 {
		return nil, fmt.Errorf("%s.ErrorEquals: States.ALL must appear alone", where)
	}
	return names, nil
}

func parseRetrier(v any, where string) (Retrier, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Retrier{}, fmt.Errorf("%s: must be an object", where)
	}
	r := Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
	var err error
	if r.ErrorEquals, err = errorNames(m["ErrorEquals"], where); err != nil {
		return r, err
	}
	for k, val := range m {
		n, isNum := val.(json.Number)
		f, _ := n.Float64()
		switch k {
		case "ErrorEquals", "Comment":
		case "IntervalSeconds", "MaxDelaySeconds":
			if !isNum || f <= 0 {
				return r, fmt.Errorf("%s.%s: must be a positive number", where, k)
			}
			if k == "IntervalSeconds" {
				r.IntervalSeconds = f
			} else {
				r.MaxDelaySeconds = f
			}
		case "MaxAttempts":
			if !isNum || f < 0 || f != float64(int(f)) {
				return r, fmt.Errorf("%s.MaxAttempts: must be a whole number, 0 or more", where)
			}
			r.MaxAttempts = int(f)
		case "BackoffRate":
			if !isNum || f < 1 {
				return r, fmt.Errorf("%s.BackoffRate: must be at least 1.0", where)
			}
			r.BackoffRate = f
		case "JitterStrategy":
			switch val {
			case "FULL":
				r.JitterFull = true
			case "NONE":
			default:
				return r, fmt.Errorf("%s.JitterStrategy: must be FULL or NONE", where)
			}
		default:
			return r, fmt.Errorf("%s: unknown field %s", where, k)
		}
	}
	return r, nil
}

func parseCatcher(v any, where string) (Catcher, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Catcher{}, fmt.Errorf("%s: must be an object", where)
	}
	var c Catcher
	var err error
	if c.ErrorEquals, err = errorNames(m["ErrorEquals"], where); err != nil {
		return c, err
	}
	c.Next, _ = m["Next"].(string)
	if c.Next == "" {
		return c, fmt.Errorf("%s: Next is required", where)
	}
	rp, present := m["ResultPath"]
	c.ResultPath, err = parseOptionalPath(rp, present, true, where+".ResultPath")
	return c, err
}

func parseChoice(st *State, m map[string]any, where string) error {
	list, ok := m["Choices"].([]any)
	if !ok || len(list) == 0 {
		return fmt.Errorf("%s: Choices must be a non-empty list", where)
	}
	for i, e := range list {
		rm, ok := e.(map[string]any)
		if !ok {
			return fmt.Errorf("%s.Choices[%d]: must be a rule", where, i)
		}
		r, err := parseRule(rm, true, fmt.Sprintf("%s.Choices[%d]", where, i))
		if err != nil {
			return err
		}
		st.Choices = append(st.Choices, r)
	}
	st.Default, _ = m["Default"].(string)
	return nil
}

func parseWait(st *State, m map[string]any, where string) error {
	set := 0
	var err error
	if v, ok := m["Seconds"]; ok {
		set++
		n, isNum := v.(json.Number)
		if st.Seconds, err = n.Int64(); !isNum || err != nil || st.Seconds < 0 {
			return fmt.Errorf("%s.Seconds: must be a whole number, 0 or more", where)
		}
	}
	if v, ok := m["Timestamp"]; ok {
		set++
		if _, valid := timestamp(v); !valid {
			return fmt.Errorf("%s.Timestamp: %v is not an RFC 3339 timestamp", where, v)
		}
		st.Timestamp = v.(string)
	}
	for _, f := range []struct {
		name string
		dst  **Path
	}{{"SecondsPath", &st.SecondsPath}, {"TimestampPath", &st.TimestampPath}} {
		if v, ok := m[f.name].(string); ok {
			set++
			if *f.dst, err = parseReference(v); err != nil {
				return fmt.Errorf("%s.%s: %w", where, f.name, err)
			}
		}
	}
	if set != 1 {
		return fmt.Errorf("%s: exactly one of Seconds, Timestamp, SecondsPath and TimestampPath is required", where)
	}
	return nil
}

func parseFail(st *State, m map[string]any, where string) error {
	st.ErrorName, _ = m["Error"].(string)
	st.Cause, _ = m["Cause"].(string)
	var err error
	for _, f := range []struct {
		name, static string
		dst          **Template
	}{{"ErrorPath", "Error", &st.ErrorPath}, {"CausePath", "Cause", &st.CausePath}} {
		v, ok := m[f.name].(string)
		if !ok {
			continue
		}
		if _, both := m[f.static]; both {
			return fmt.Errorf("%s: give %s or %s, not both", where, f.static, f.name)
		}
		if *f.dst, err = parseFailPath(v); err != nil {
			return fmt.Errorf("%s.%s: %w", where, f.name, err)
		}
	}
	return nil
}

// failIntrinsics are the intrinsic functions a Fail state's ErrorPath and
// CausePath may call: those that return a string.
var failIntrinsics = []string{"States.Format", "States.JsonToString", "States.ArrayGetItem", "States.Base64Encode",
	"States.Base64Decode", "States.Hash", "States.UUID"}

// parseFailPath parses a Fail state's ErrorPath or CausePath: a reference path or
// a call of one of failIntrinsics.
func parseFailPath(s string) (*Template, error) {
	if !isIntrinsic(s) {
		p, err := parseReference(s)
		if err != nil {
			return nil, err
		}
		return &Template{path: p}, nil
	}
	c, err := parseCall(s)
	if err != nil {
		return nil, err
	}
	if !contains(failIntrinsics, c.name) {
		return nil, fmt.Errorf("%s does not return a string: use one of %s", c.name, strings.Join(failIntrinsics, ", "))
	}
	return &Template{call: c}, nil
}

// check verifies the transitions: StartAt and every Next, Default and Catch target
// name a state; a state that can end has End or is terminal.
func (d *Definition) check(prefix string) error {
	if _, ok := d.States[d.StartAt]; !ok {
		return fmt.Errorf("%sdefinition: StartAt %q is not a state", prefix, d.StartAt)
	}
	names := make([]string, 0, len(d.States))
	for n := range d.States {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st := d.States[n]
		target := func(field, t string) error {
			if _, ok := d.States[t]; !ok {
				return fmt.Errorf("%sstate %s: %s %q is not a state", prefix, n, field, t)
			}
			return nil
		}
		switch st.Type {
		case "Choice":
			for i, r := range st.Choices {
				if err := target(fmt.Sprintf("Choices[%d].Next", i), r.next); err != nil {
					return err
				}
			}
			if st.Default != "" {
				if err := target("Default", st.Default); err != nil {
					return err
				}
			}
		case "Succeed", "Fail":
		default:
			if st.End == (st.Next != "") {
				return fmt.Errorf("%sstate %s: needs either Next or End: true", prefix, n)
			}
			if st.Next != "" {
				if err := target("Next", st.Next); err != nil {
					return err
				}
			}
		}
		for i, c := range st.Catch {
			if err := target(fmt.Sprintf("Catch[%d].Next", i), c.Next); err != nil {
				return err
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool { return slicesIndex(list, s) >= 0 }

func slicesIndex(list []string, s string) int {
	for i, e := range list {
		if e == s {
			return i
		}
	}
	return -1
}
