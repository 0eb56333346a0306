package termsafe

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"orders", "orders"},
		{"", ""},
		{`C:\rel\a.yaml`, `C:\rel\a.yaml`},
		{"naïve → 顧客 ✓ 👍", "naïve → 顧客 ✓ 👍"},
		{"\x1b[2Jcleared", `\x1b[2Jcleared`},
		{"\x1b]8;;http://evil\x07click\x1b]8;;\x07", `\x1b]8;;http://evil\x07click\x1b]8;;\x07`},
		{"line\nnext\ttab\rback", `line\nnext\ttab\rback`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"c1 \u009b2J csi", `c1 \u009b2J csi`},
		{"safe_\u202eweiv", `safe_\u202eweiv`},
		{"\u2066iso\u2069 \u200e\u200f\u061c", `\u2066iso\u2069 \u200e\u200f\u061c`},
		{"zero\u200bwidth\u200d\u2060\ufeff", `zero\u200bwidth\u200d\u2060\ufeff`},
		{"soft\u00adhyphen", `soft\u00adhyphen`},
		{"line\u2028para\u2029", `line\u2028para\u2029`},
		{"tag\U000e0041", `tag\U000e0041`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"replacement \ufffd stays", "replacement \ufffd stays"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzText checks that Text leaves no unsafe rune and no invalid UTF-8, leaves
// safe strings alone, and can be read back: undoing the escapes of a string
// without backslashes gives the input, byte for byte.
func FuzzText(f *testing.F) {
	for _, s := range []string{"orders", "\x1b[2J", "\x1b]8;;http://evil\x07x", "a\u202eb", "\xff", "\u200d\U000e0041", "x\ty\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Text(%q) = %q is not UTF-8", s, out)
		}
		for _, r := range out {
			if Unsafe(r) {
				t.Fatalf("Text(%q) = %q keeps %U", s, out, r)
			}
		}
		if utf8.ValidString(s) && strings.IndexFunc(s, Unsafe) < 0 && out != s {
			t.Fatalf("Text(%q) = %q changed a safe string", s, out)
		}
		if Text(out) != out {
			t.Fatalf("Text is not idempotent on %q", out)
		}
		if !strings.Contains(s, `\`) {
			if back, err := unescape(out); err != nil || back != s {
				t.Fatalf("Text(%q) = %q reads back as %q (%v)", s, out, back, err)
			}
		}
	})
}

// unescape undoes Text's escapes.
func unescape(s string) (string, error) {
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '\\')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		width := map[byte]int{'t': 2, 'n': 2, 'r': 2, 'x': 4, 'u': 6, 'U': 10}[s[1]]
		if width == 0 || len(s) < width {
			return "", strconv.ErrSyntax
		}
		switch s[1] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			n, err := strconv.ParseUint(s[2:width], 16, 32)
			if err != nil {
				return "", err
			}
			if s[1] == 'x' {
				b.WriteByte(byte(n))
			} else {
				b.WriteRune(rune(n))
			}
		}
		s = s[width:]
	}
	return b.String(), nil
}
