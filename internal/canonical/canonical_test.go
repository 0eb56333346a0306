package canonical

import (
	"strings"
	"testing"
)

func TestCompact(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "sorts keys and drops space", in: `{ "b": 1, "a": [ true, false, null ] }`, want: `{"a":[true,false,null],"b":1}`},
		{name: "nested objects sorted", in: `{"z":{"y":1,"x":2},"a":{}}`, want: `{"a":{},"z":{"x":2,"y":1}}`},
		{name: "keys compare by bytes", in: `{"b":1,"B":2,"é":3,"a":4}`, want: `{"B":2,"a":4,"b":1,"é":3}`},
		{name: "escaped keys sort by value", in: `{"\u0062":1,"a":2}`, want: `{"a":2,"b":1}`},
		{name: "strings keep UTF-8 literal", in: `"caf\u00e9 \u2603"`, want: `"café ☃"`},
		{name: "strings escape quotes and controls", in: `"a\"b\\c\nd\u0001\/"`, want: `"a\"b\\c\nd\u0001/"`},
		{name: "HTML is not escaped", in: `"<script>&"`, want: `"<script>&"`},
		{name: "integers kept digit for digit", in: `[0, -12, 12345678901234567890123]`, want: `[0,-12,12345678901234567890123]`},
		{name: "minus zero", in: `-0`, want: `0`},
		{name: "fractions shortest form", in: `[1.50, 1e2, 2.5E-3, 1.0, -0.0, 1e21]`, want: `[1.5,100,0.0025,1,0,1e+21]`},
		{name: "empty containers", in: `{"a":[],"b":{}}`, want: `{"a":[],"b":{}}`},
		{name: "invalid UTF-8 becomes U+FFFD", in: "\"a\xffb\"", want: `"a` + "\uFFFD" + `b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compact([]byte(tt.in))
			if err != nil {
				t.Fatalf("Compact(%s): %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("Compact(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestCompactRejects(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{name: "duplicate key", in: `{"a":1,"a":2}`, wantErr: `duplicate object key "a"`},
		{name: "duplicate key after escape", in: `{"a":1,"\u0061":2}`, wantErr: "duplicate"},
		{name: "trailing data", in: `{} {}`, wantErr: "after the JSON value"},
		{name: "unterminated", in: `{"a":`, wantErr: "unexpected end"},
		{name: "leading zero", in: `01`, wantErr: "bad number"},
		{name: "bare word", in: `nope`, wantErr: "expected null"},
		{name: "control character", in: "\"a\tb\"", wantErr: "control character"},
		{name: "trailing comma", in: `[1,]`, wantErr: "unexpected"},
		{name: "huge exponent", in: `1e999`, wantErr: "out of range"},
		{name: "too deep", in: strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1), wantErr: "nested more than"},
		{name: "empty", in: ``, wantErr: "unexpected end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compact([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Compact(%q) error = %v, want it to mention %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestMarshalEqualContentEqualDigest(t *testing.T) {
	a, err := MarshalDigest(map[string]any{"b": []int{1, 2}, "a": "x"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Compact([]byte(`{"a":"x","b":[1,2]}`))
	if err != nil {
		t.Fatal(err)
	}
	if a != Digest(b) {
		t.Errorf("digest of marshalled map %s != digest of same JSON text %s", a, Digest(b))
	}
	if !strings.HasPrefix(a, "sha256:") || len(a) != len("sha256:")+64 {
		t.Errorf("digest %q is not sha256:<64 hex>", a)
	}
}

func FuzzCompact(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[1.5,"x"]}`, `"\u00e9"`, `[{"a":{}}]`, `-0.0e1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Compact(in)
		if err != nil {
			return
		}
		again, err := Compact(out)
		if err != nil {
			t.Fatalf("canonical output %s does not parse: %v", out, err)
		}
		if string(again) != string(out) {
			t.Fatalf("not idempotent: %s then %s", out, again)
		}
	})
}
