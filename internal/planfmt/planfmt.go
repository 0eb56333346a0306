// Package planfmt renders a plan for people and programs: text for a terminal, JSON
// (the contract scripts and the API rely on) and Markdown for a pull-request comment
// or a GitHub step summary.
//
// Text and Markdown list changes grouped by category, most serious first (breaking,
// removed, non-breaking, added, metadata), each with what differs, for breaking
// changes what downstream must be rebuilt, and for a node downstream of breaking
// changes which ones reach it and through which dependencies; then the unchanged
// nodes that must be rebuilt, each with the same. Long lists are shortened after
// MaxNamesInline names, saying how many more (or "and more" where the plan's count
// is a lower bound). Text lists every change and every indirect node, so grep
// answers "is this node affected, and by what"; Markdown, which must fit a
// pull-request comment (65,536 characters on GitHub), collapses a category with
// more than CollapseAfter changes into a <details> block and shows at most MaxRows
// rows of a category or of the indirect nodes.
//
// Everything a plan holds comes from a release someone wrote: names, kinds,
// column types, spec and metadata keys. Text and Markdown print every such value
// escaped by internal/termsafe, so an escape sequence or a bidi control shows as
// \x1b or \u202e instead of acting; the colours of text output are added around
// the escaped values. Markdown also puts each value on one line and escapes its own
// punctuation. JSON is for programs and escapes control characters itself; bidi
// characters stay as they are there.
package planfmt

import (
	"fmt"
	"io"
	"strings"

	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
)

// Format is an output format for plans.
type Format string

// Output formats.
const (
	// Text is for a terminal.
	Text Format = "text"
	// JSON is the plan contract (docs/plan-contract.md).
	JSON Format = "json"
	// Markdown is for pull-request comments and step summaries.
	Markdown Format = "markdown"
)

// ParseFormat returns the Format named s.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Text, JSON, Markdown:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: use text, json or markdown", s)
}

// Shortening limits.
const (
	// MaxNamesInline is how many impacted names a change shows before "and N more".
	MaxNamesInline = 10
	// CollapseAfter is how many changes a Markdown category shows before collapsing.
	CollapseAfter = 10
	// MaxRows is the most changes (or indirect names) Markdown lists per category.
	MaxRows = 100
)

// Options are what a renderer needs besides the plan.
type Options struct {
	// Base and Candidate label the two releases, such as "v1.3.0" or a file name.
	Base, Candidate string
	// Color enables ANSI colours in text output.
	Color bool
}

// Write renders p to w in format f.
func Write(w io.Writer, f Format, p *plan.Plan, opts Options) error {
	switch f {
	case JSON:
		return writeJSON(w, p)
	case Markdown:
		return writeMarkdown(w, p, opts)
	default:
		return writeText(w, p, opts)
	}
}

// title is how each category is headed.
var title = map[plan.Category]string{
	plan.Breaking:    "Breaking",
	plan.Removed:     "Removed",
	plan.NonBreaking: "Non-breaking",
	plan.Added:       "Added",
	plan.Metadata:    "Metadata only",
}

// byCategory groups changes by category, keeping each group's order (by name).
func byCategory(p *plan.Plan) map[plan.Category][]plan.Change {
	groups := make(map[plan.Category][]plan.Change, len(plan.Categories))
	for _, c := range p.Changes {
		groups[c.Category] = append(groups[c.Category], c)
	}
	return groups
}

// summaryLine counts every category, "2 breaking, 1 removed, ...".
func summaryLine(s plan.Summary) string {
	return fmt.Sprintf("%d breaking, %d removed, %d non-breaking, %d added, %d metadata, %d unchanged, %d indirect",
		s.Breaking, s.Removed, s.NonBreaking, s.Added, s.Metadata, s.Unchanged, s.Indirect)
}

// detailLines describes what differs in a change, one fact a line; quote formats
// names (columns, keys) and text the rest, so each renderer can escape its own way.
func detailLines(c plan.Change, quote, text func(string) string) []string {
	d := c.Details
	var lines []string
	if d.KindChanged != nil {
		lines = append(lines, fmt.Sprintf("kind changed: %s → %s", text(d.KindChanged.From), text(d.KindChanged.To)))
	}
	if len(d.ColumnsRemoved) > 0 {
		lines = append(lines, "columns removed: "+columnList(d.ColumnsRemoved, quote, text))
	}
	if len(d.ColumnsRetyped) > 0 {
		var parts []string
		for _, r := range d.ColumnsRetyped {
			parts = append(parts, fmt.Sprintf("%s %s → %s", quote(r.Name), typeText(r.From, text), typeText(r.To, text)))
		}
		lines = append(lines, "columns retyped: "+strings.Join(parts, ", "))
	}
	if len(d.ColumnsAdded) > 0 {
		lines = append(lines, "columns added: "+columnList(d.ColumnsAdded, quote, text))
	}
	if len(d.DependsOnAdded) > 0 {
		lines = append(lines, "depends on, added: "+joinQuoted(d.DependsOnAdded, quote))
	}
	if len(d.DependsOnRemoved) > 0 {
		lines = append(lines, "depends on, removed: "+joinQuoted(d.DependsOnRemoved, quote))
	}
	switch {
	case len(d.SpecKeysChanged) > 0:
		lines = append(lines, "spec changed: "+joinQuoted(d.SpecKeysChanged, quote))
	case d.SpecChanged:
		lines = append(lines, "spec changed")
	}
	if d.FingerprintChanged && !d.SpecChanged && len(lines) == 0 {
		lines = append(lines, "fingerprint changed (content differs)")
	}
	if len(d.MetadataKeysChanged) > 0 {
		lines = append(lines, "metadata changed: "+joinQuoted(d.MetadataKeysChanged, quote))
	}
	return lines
}

// columnList writes columns as "name type, name type".
func columnList(cols []release.Column, quote, text func(string) string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = quote(c.Name)
		if c.Type != "" {
			parts[i] += " " + text(c.Type)
		}
	}
	return strings.Join(parts, ", ")
}

func joinQuoted(names []string, quote func(string) string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = quote(n)
	}
	return strings.Join(parts, ", ")
}

func typeText(t string, text func(string) string) string {
	if t == "" {
		return "(untyped)"
	}
	return text(t)
}

// impactLine says what a breaking change forces downstream, shortened.
func impactLine(c plan.Change, quote func(string) string) string {
	if c.ImpactedCount == 0 {
		return ""
	}
	return fmt.Sprintf("impacts %s downstream: %s", countText(c.ImpactedCount, c.ImpactedCountExact),
		shortList(c.Impacted, c.ImpactedCount, c.ImpactedCountExact, quote))
}

// impactedByLine says which breaking changes upstream reach a node, and through
// which of its dependencies, shortened; "" for a node none reaches.
func impactedByLine(u plan.Upstream, quote func(string) string) string {
	if u.ImpactedByCount == 0 {
		return ""
	}
	return fmt.Sprintf("impacted by %s breaking: %s (via %s)", countText(u.ImpactedByCount, u.ImpactedByCountExact),
		shortList(u.ImpactedBy, u.ImpactedByCount, u.ImpactedByCountExact, quote),
		shortList(u.Via, len(u.Via), true, quote))
}

// countText writes a count, "at least N" when it is a lower bound.
func countText(n int, exact bool) string {
	if exact {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("at least %d", n)
}

// shortList writes the first MaxNamesInline of names, the first of a set of count
// members, then "and N more" (or "and more" when count is a lower bound).
func shortList(names []string, count int, exact bool, quote func(string) string) string {
	shown := names[:min(len(names), MaxNamesInline)]
	s := joinQuoted(shown, quote)
	switch more := count - len(shown); {
	case !exact && more > 0:
		s += " and more"
	case more > 0:
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}
