package planfmt

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/termsafe"
)

func writeMarkdown(out io.Writer, p *plan.Plan, opts Options) error {
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "### Ferry plan: %s → %s\n\n", mdText(opts.Base), mdText(opts.Candidate))
	if p.Target != "" {
		fmt.Fprintf(w, "Target **%s**, version %d.\n\n", mdText(p.Target), p.BaseVersion)
	}
	if p.Summary.Changed() == 0 {
		fmt.Fprintf(w, "No changes: %d nodes unchanged.\n\n<sub>Digest %s</sub>\n", p.Summary.Unchanged, mdCode(p.Digest))
		return w.Flush()
	}
	s := p.Summary
	fmt.Fprintln(w, "| Breaking | Removed | Non-breaking | Added | Metadata | Unchanged | Indirect |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Fprintf(w, "| %d | %d | %d | %d | %d | %d | %d |\n", s.Breaking, s.Removed, s.NonBreaking, s.Added, s.Metadata, s.Unchanged, s.Indirect)

	groups := byCategory(p)
	for _, cat := range plan.Categories {
		changes := groups[cat]
		if len(changes) == 0 {
			continue
		}
		heading := fmt.Sprintf("%s (%d)", title[cat], len(changes))
		collapse := len(changes) > CollapseAfter
		if collapse {
			fmt.Fprintf(w, "\n<details><summary><strong>%s</strong></summary>\n\n", heading)
		} else {
			fmt.Fprintf(w, "\n#### %s\n\n", heading)
		}
		fmt.Fprintln(w, "| Node | Kind | Changes |")
		fmt.Fprintln(w, "|---|---|---|")
		for _, c := range changes[:min(len(changes), MaxRows)] {
			facts := detailLines(c, mdCode, mdText)
			if line := impactLine(c, mdCode); line != "" {
				facts = append(facts, "**"+line+"**")
			}
			if line := impactedByLine(c.Upstream, mdCode); line != "" {
				facts = append(facts, line)
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", mdCode(c.Node), mdText(c.Kind), strings.Join(facts, "<br>"))
		}
		if more := len(changes) - MaxRows; more > 0 {
			fmt.Fprintf(w, "\n… and %d more; `ferry plan --format json` lists them all.\n", more)
		}
		if collapse {
			fmt.Fprintln(w, "\n</details>")
		}
	}
	if n := len(p.Indirect); n > 0 {
		fmt.Fprintf(w, "\n<details><summary>Unchanged but rebuilt downstream of breaking changes (%d)</summary>\n\n", n)
		fmt.Fprintln(w, "| Node | Kind | Impact |")
		fmt.Fprintln(w, "|---|---|---|")
		for _, in := range p.Indirect[:min(n, MaxRows)] {
			fmt.Fprintf(w, "| %s | %s | %s |\n", mdCode(in.Node), mdText(in.Kind), impactedByLine(in.Upstream, mdCode))
		}
		if n > MaxRows {
			fmt.Fprintf(w, "\n… and %d more; `ferry plan --format json` lists them all.\n", n-MaxRows)
		}
		fmt.Fprintln(w, "\n</details>")
	}
	fmt.Fprintf(w, "\n<sub>Digest %s</sub>\n", mdCode(p.Digest))
	return w.Flush()
}

// mdEscaper makes free text inert in a Markdown table cell: Markdown punctuation is
// backslash-escaped and HTML characters become entities.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`,
	"#", `\#`, "~", `\~`, "<", "&lt;", ">", "&gt;", "&", "&amp;", "\n", " ", "\r", " ",
)

func mdText(s string) string { return mdEscaper.Replace(inert(s)) }

// inert is s on one line with its control and bidi characters escaped
// (termsafe.Text), so that a pull-request comment shows them rather than obeys
// them.
func inert(s string) string {
	return termsafe.Text(strings.NewReplacer("\n", " ", "\r", " ").Replace(s))
}

// mdCode writes s as inline code, with a fence longer than any backtick run in s.
func mdCode(s string) string {
	s = strings.ReplaceAll(inert(s), "|", `\|`)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
