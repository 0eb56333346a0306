package asl

import (
	"encoding/json"
	"strings"
	"testing"
)

func mustDecode(tb testing.TB, s string) any {
	tb.Helper()
	v, err := Decode([]byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestPathGet(t *testing.T) {
	input := mustDecode(t, `{"foo": 123, "bar": ["a", "b", "c"], "car": {"cdr": true}, "a b": {"c": 1}, "list": [{"v": 1}, {"v": 2}]}`)
	ctx := mustDecode(t, `{"Execution": {"Id": "arn:exec"}, "Task": {"Token": "tok"}}`)
	tests := []struct {
		path, want string
	}{
		{"$", asJSON(input)},
		{"$.foo", `123`},
		{"$.bar", `["a","b","c"]`},
		{"$.bar[1]", `"b"`},
		{"$.bar[-1]", `"c"`},
		{"$.car.cdr", `true`},
		{"$['a b'].c", `1`},
		{"$.list[*].v", `[1,2]`},
		{"$.list[*].missing", `[]`},
		{"$$.Execution.Id", `"arn:exec"`},
		{"$$.Task.Token", `"tok"`},
	}
	for _, tt := range tests {
		p, err := ParsePath(tt.path)
		if err != nil {
			t.Fatalf("ParsePath(%s): %v", tt.path, err)
		}
		got, err := p.Get(input, ctx)
		if err != nil || asJSON(got) != tt.want {
			t.Errorf("%s = %s (%v), want %s", tt.path, asJSON(got), err, tt.want)
		}
	}
	for _, bad := range []string{"foo", "$..x", "$.a[?(@.b)]", "$.a[0,1]", "$.a[0:4:2]", "$.a[1:x]", "$.a[x]", "$.a[0"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) accepted", bad)
		}
	}
	p, _ := ParsePath("$.nope.deeper")
	if _, err := p.Get(input, nil); err == nil || !strings.Contains(err.Error(), `no field "nope"`) {
		t.Errorf("missing field: %v", err)
	}
}

// Slices as Jayway JsonPath (Step Functions' JSONPath) gives them: bounds
// optional, negative ones from the end, clamped, a list even when empty or one.
func TestPathSlices(t *testing.T) {
	input := mustDecode(t, `{"vals": [0, 10, 20, 30, 40, 50], "list": [{"v": 1}, {"v": 2}, {"v": 3}], "n": 1}`)
	tests := []struct {
		path, want string
	}{
		{"$.vals[-3:]", `[30,40,50]`},
		{"$.vals[1:3]", `[10,20]`},
		{"$.vals[:2]", `[0,10]`},
		{"$.vals[4:]", `[40,50]`},
		{"$.vals[:-4]", `[0,10]`},
		{"$.vals[-2:-1]", `[40]`},
		{"$.vals[:]", `[0,10,20,30,40,50]`},
		{"$.vals[-10:2]", `[0,10]`},
		{"$.vals[3:100]", `[30,40,50]`},
		{"$.vals[4:2]", `[]`},
		{"$.vals[7:]", `[]`},
		{"$.list[1:].v", `[2,3]`},
		{"$.n[0:1]", `[]`},
	}
	for _, tt := range tests {
		p, err := ParsePath(tt.path)
		if err != nil {
			t.Fatalf("ParsePath(%s): %v", tt.path, err)
		}
		got, err := p.Get(input, nil)
		if err != nil || asJSON(got) != tt.want {
			t.Errorf("%s = %s (%v), want %s", tt.path, asJSON(got), err, tt.want)
		}
	}
	if _, err := ParsePath("$.vals[0:4:2]"); err == nil || !strings.Contains(err.Error(), "slice step") {
		t.Errorf("a slice step: %v", err)
	}
}

// The spec's ResultPath examples: replace, add, nest, discard.
func TestPathSet(t *testing.T) {
	input := mustDecode(t, `{"master": {"detail": [1, 2, 3]}}`)
	result := mustDecode(t, `"Hello"`)
	tests := []struct {
		path, want string
	}{
		{"$", `"Hello"`},
		{"$.master.detail", `{"master":{"detail":"Hello"}}`},
		{"$.master.result.sum", `{"master":{"detail":[1,2,3],"result":{"sum":"Hello"}}}`},
	}
	for _, tt := range tests {
		p, err := parseReference(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Set(input, result)
		if err != nil || asJSON(got) != tt.want {
			t.Errorf("Set(%s) = %s (%v), want %s", tt.path, asJSON(got), err, tt.want)
		}
	}
	if asJSON(input) != `{"master":{"detail":[1,2,3]}}` {
		t.Errorf("Set changed its input: %s", asJSON(input))
	}
	p, _ := parseReference("$.master.detail.x")
	if _, err := p.Set(input, result); err == nil {
		t.Error("setting a field inside an array was accepted")
	}
	for _, ref := range []string{"$.a[*]", "$.a[1:]"} {
		if _, err := parseReference(ref); err == nil {
			t.Errorf("reference path %s accepted", ref)
		}
	}
}

// The spec's Parameters example.
func TestTemplate(t *testing.T) {
	tmpl := mustDecode(t, `{
		"flagged": true,
		"parts": {"first.$": "$.vals[0]", "last3.$": "$.vals[-3:]" },
		"weekday.$": "$$.DayOfWeek",
		"formatted.$": "States.Format('{} has {} items', $.name, States.ArrayLength($.vals))",
		"list": ["x", {"y.$": "$.name"}]
	}`)
	tp, err := ParseTemplate(tmpl, "Parameters")
	if err != nil {
		t.Fatal(err)
	}
	got, err := tp.Eval(mustDecode(t, `{"vals": [0, 10, 20, 30, 40, 50], "name": "box"}`), mustDecode(t, `{"DayOfWeek": "TUESDAY"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"flagged":true,"formatted":"box has 6 items","list":["x",{"y":"box"}],"parts":{"first":0,"last3":[30,40,50]},"weekday":"TUESDAY"}`
	if asJSON(got) != want {
		t.Errorf("template gave\n%s\nwant\n%s", asJSON(got), want)
	}
	bad := mustDecode(t, `{"x.$": "States.ArrayGetItem($.vals, 99)"}`)
	tb, err := ParseTemplate(bad, "Parameters")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tb.Eval(mustDecode(t, `{"vals": [1]}`), nil)
	if f, ok := err.(*Failure); !ok || f.Name != IntrinsicFailure {
		t.Errorf("a failing intrinsic: %v, want %s", err, IntrinsicFailure)
	}
}

// Examples from the spec's intrinsic functions section.
func TestIntrinsics(t *testing.T) {
	input := mustDecode(t, `{"name": "Arnav", "array": [1, 2, 3, 4, 5, 6, 7], "dup": [1, 2, 2, 3, 3], "obj": {"a": 1},
		"json": "{\"x\": [1, 2]}", "other": {"b": 2, "a": 9}}`)
	tests := []struct {
		call, want string
	}{
		{`States.Format('Welcome to {} {}\'s playlist.', $.name, 'x')`, `"Welcome to Arnav x's playlist."`},
		{`States.Format('literal \{\} braces {}', 1)`, `"literal {} braces 1"`},
		{`States.StringToJson($.json)`, `{"x":[1,2]}`},
		{`States.JsonToString($.obj)`, `"{\"a\":1}"`},
		{`States.Array('Foo', 2020, $.obj, null)`, `["Foo",2020,{"a":1},null]`},
		{`States.ArrayPartition($.array, 4)`, `[[1,2,3,4],[5,6,7]]`},
		{`States.ArrayContains($.array, 5)`, `true`},
		{`States.ArrayContains($.array, 9)`, `false`},
		{`States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`},
		{`States.ArrayRange(5, 1, -2)`, `[5,3,1]`},
		{`States.ArrayGetItem($.array, 5)`, `6`},
		{`States.ArrayLength($.array)`, `7`},
		{`States.ArrayUnique($.dup)`, `[1,2,3]`},
		{`States.Base64Encode('Data to encode')`, `"RGF0YSB0byBlbmNvZGU="`},
		{`States.Base64Decode('RGF0YSB0byBlbmNvZGU=')`, `"Data to encode"`},
		{`States.Hash('input data', 'SHA-1')`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{`States.JsonMerge($.obj, $.other, false)`, `{"a":9,"b":2}`},
		{`States.MathAdd(111, -1)`, `110`},
		{`States.StringSplit('1,2,3,4,5', ',')`, `["1","2","3","4","5"]`},
		{`States.StringSplit('This.is+a,test=string', '.+,=')`, `["This","is","a","test","string"]`},
	}
	for _, tt := range tests {
		c, err := parseCall(tt.call)
		if err != nil {
			t.Errorf("parse %s: %v", tt.call, err)
			continue
		}
		got, err := c.eval(input, nil)
		if err != nil || asJSON(got) != tt.want {
			t.Errorf("%s = %s (%v), want %s", tt.call, asJSON(got), err, tt.want)
		}
	}
	c, _ := parseCall(`States.MathRandom(1, 3)`)
	for range 20 {
		v, err := c.eval(nil, nil)
		if n := asJSON(v); err != nil || (n != "1" && n != "2") {
			t.Fatalf("MathRandom(1, 3) = %s, %v", n, err)
		}
	}
	c, _ = parseCall(`States.UUID()`)
	if v, _ := c.eval(nil, nil); len(v.(string)) != 36 || v.(string)[14] != '4' {
		t.Errorf("UUID %v", v)
	}
	for _, bad := range []string{`States.Nope(1)`, `States.Format('{}')`, `States.ArrayGetItem($.array)`, `States.Hash('x', 'CRC')`,
		`States.MathAdd('a', 1)`, `States.ArrayRange(1, 2000, 1)`, `States.JsonMerge($.obj, $.other, true)`} {
		c, err := parseCall(bad)
		if err == nil {
			_, err = c.eval(input, nil)
		}
		if err == nil {
			t.Errorf("%s succeeded", bad)
		}
	}
}

func TestChoiceRules(t *testing.T) {
	input := mustDecode(t, `{"type": "Private", "value": 25, "limit": 20, "ok": true, "nothing": null,
		"when": "2026-11-01T10:00:00Z", "later": "2026-11-02T00:00:00Z", "file": "log-2026.txt", "star": "a*b"}`)
	tests := []struct {
		rule string
		want bool
	}{
		{`{"Variable": "$.type", "StringEquals": "Private"}`, true},
		{`{"Variable": "$.type", "StringLessThan": "Public"}`, true},
		{`{"Variable": "$.value", "NumericGreaterThan": 20}`, true},
		{`{"Variable": "$.value", "NumericLessThanEquals": 25}`, true},
		{`{"Variable": "$.value", "NumericEqualsPath": "$.limit"}`, false},
		{`{"Variable": "$.value", "NumericGreaterThanPath": "$.limit"}`, true},
		{`{"Variable": "$.type", "NumericEquals": 3}`, false},
		{`{"Variable": "$.ok", "BooleanEquals": true}`, true},
		{`{"Variable": "$.when", "TimestampLessThanPath": "$.later"}`, true},
		{`{"Variable": "$.when", "TimestampEquals": "2026-11-01T10:00:00Z"}`, true},
		{`{"Variable": "$.file", "StringMatches": "log-*.txt"}`, true},
		{`{"Variable": "$.file", "StringMatches": "*.csv"}`, false},
		{`{"Variable": "$.star", "StringMatches": "a\\*b"}`, true},
		{`{"Variable": "$.nothing", "IsNull": true}`, true},
		{`{"Variable": "$.missing", "IsPresent": false}`, true},
		{`{"Variable": "$.value", "IsPresent": true}`, true},
		{`{"Variable": "$.value", "IsNumeric": true}`, true},
		{`{"Variable": "$.type", "IsString": true}`, true},
		{`{"Variable": "$.ok", "IsBoolean": true}`, true},
		{`{"Variable": "$.when", "IsTimestamp": true}`, true},
		{`{"Variable": "$.type", "IsTimestamp": true}`, false},
		{`{"And": [{"Variable": "$.value", "NumericGreaterThanEquals": 20}, {"Variable": "$.value", "NumericLessThan": 30}]}`, true},
		{`{"Or": [{"Variable": "$.type", "StringEquals": "Public"}, {"Variable": "$.ok", "BooleanEquals": false}]}`, false},
		{`{"Not": {"Variable": "$.type", "StringEquals": "Public"}}`, true},
	}
	for _, tt := range tests {
		r, err := parseRule(mustDecode(t, tt.rule).(map[string]any), false, "rule")
		if err != nil {
			t.Errorf("parse %s: %v", tt.rule, err)
			continue
		}
		got, err := r.eval(input, nil)
		if err != nil || got != tt.want {
			t.Errorf("%s = %v (%v), want %v", tt.rule, got, err, tt.want)
		}
	}
	r, _ := parseRule(mustDecode(t, `{"Variable": "$.missing", "StringEquals": "x"}`).(map[string]any), false, "rule")
	if _, err := r.eval(input, nil); err == nil {
		t.Error("a missing variable is a runtime error")
	}
	for _, bad := range []string{`{"Variable": "$.a", "StringEquals": 1}`, `{"Variable": "$.a", "NumericEquals": "1"}`,
		`{"Variable": "$.a"}`, `{"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1}`, `{"Variable": "$.a", "Nope": 1}`,
		`{"Variable": "$.a", "TimestampEquals": "yesterday"}`, `{"And": []}`, `{"Variable": "$.a", "StringMatchesPath": "$.b"}`} {
		if _, err := parseRule(mustDecode(t, bad).(map[string]any), false, "rule"); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}
