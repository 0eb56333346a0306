// Package termsafe makes text from data safe to print on a terminal: a release's
// name, a commit message, a node kind, a column type or a reviewer's comment can
// hold escape sequences (clear the screen, rewrite a line, forge a hyperlink) or
// bidirectional controls (show "safe_view" for what is "weiv_efas"), and a
// reviewer must see what is there, not what it draws.
//
// Text escapes every rune that controls rather than shows:
//
//   - C0 controls (U+0000–U+001F), DEL and the C1 controls (U+0080–U+009F), which
//     start and carry terminal escape sequences (ESC, CSI, OSC, BEL). Tab and
//     newline are escaped too: every caller prints a field on one line.
//   - Unicode format characters (category Cf): the bidi embeddings, overrides and
//     isolates (U+202A–U+202E, U+2066–U+2069), the marks U+200E, U+200F and
//     U+061C, the zero-width space, joiners and word joiner (U+200B–U+200D,
//     U+2060), the byte order mark, soft hyphen and tag characters. They reorder
//     or hide text; zero-width ones make two names that differ look equal. Emoji
//     sequences that use a joiner show it escaped, which is the price of that.
//   - The line and paragraph separators U+2028 and U+2029, which break lines.
//   - Bytes that are not UTF-8.
//
// The escapes are Go's: \t, \n, \r; \xNN for other ASCII controls and for bytes
// that are not UTF-8; \uNNNN and \UNNNNNNNN for the rest, in lower-case hex. Text
// leaves every other string as it is, backslashes included, so ordinary names
// read as they are: a literal "\u202e" typed into a name reads the same as an
// escaped U+202E, and neither can reorder anything.
//
// JSON output needs none of this (encoding/json escapes controls; bidi characters
// stay as they are, for programs); Markdown needs it as well as its own escaping.
package termsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Unsafe reports whether r controls a terminal or the order or visibility of
// text rather than showing as itself; Text escapes exactly these runes.
func Unsafe(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// Text returns s with every unsafe rune, and every byte that is not UTF-8,
// written as a visible escape. A string with neither comes back unchanged.
func Text(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r == utf8.RuneError || Unsafe(r) })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for s = s[i:]; s != ""; {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < utf8.RuneSelf && Unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff && Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		case Unsafe(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}
