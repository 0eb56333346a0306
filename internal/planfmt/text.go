package planfmt

import (
	"bufio"
	"fmt"
	"io"

	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/termsafe"
)

// ANSI styles for text output.
const (
	reset  = "\x1b[0m"
	bold   = "\x1b[1m"
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	cyan   = "\x1b[36m"
	dim    = "\x1b[2m"
)

// marks are the one-character signs and colours of each category in text output.
var marks = map[plan.Category]struct{ sign, color string }{
	plan.Breaking:    {"!", red},
	plan.Removed:     {"-", red},
	plan.NonBreaking: {"~", yellow},
	plan.Added:       {"+", green},
	plan.Metadata:    {"~", cyan},
}

func writeText(out io.Writer, p *plan.Plan, opts Options) error {
	w := bufio.NewWriter(out)
	style := func(s, code string) string {
		if !opts.Color {
			return s
		}
		return code + s + reset
	}
	safe := termsafe.Text

	fmt.Fprintf(w, "%s %s → %s\n", style("Plan:", bold), safe(opts.Base), safe(opts.Candidate))
	if p.Target != "" {
		fmt.Fprintf(w, "Target: %s (version %d)\n", safe(p.Target), p.BaseVersion)
	}
	if p.Summary.Changed() == 0 {
		fmt.Fprintf(w, "\nNo changes: %d nodes unchanged.\n", p.Summary.Unchanged)
		fmt.Fprintf(w, "\nDigest: %s\n", safe(p.Digest))
		return w.Flush()
	}
	groups := byCategory(p)
	for _, cat := range plan.Categories {
		changes := groups[cat]
		if len(changes) == 0 {
			continue
		}
		m := marks[cat]
		fmt.Fprintf(w, "\n%s\n", style(fmt.Sprintf("%s (%d)", title[cat], len(changes)), bold+m.color))
		for _, c := range changes {
			fmt.Fprintf(w, "  %s %s %s\n", style(m.sign, m.color), safe(c.Node), style(safe(c.Kind), dim))
			for _, line := range detailLines(c, safe, safe) {
				fmt.Fprintf(w, "      %s\n", line)
			}
			if line := impactLine(c, safe); line != "" {
				fmt.Fprintf(w, "      %s\n", style(line, red))
			}
			if line := impactedByLine(c.Upstream, safe); line != "" {
				fmt.Fprintf(w, "      %s\n", line)
			}
		}
	}
	if n := len(p.Indirect); n > 0 {
		fmt.Fprintf(w, "\n%s\n", style(fmt.Sprintf("Unchanged but rebuilt downstream of breaking changes (%d)", n), bold))
		for _, in := range p.Indirect {
			fmt.Fprintf(w, "  = %s %s\n      %s\n", safe(in.Node), style(safe(in.Kind), dim), impactedByLine(in.Upstream, safe))
		}
	}
	fmt.Fprintf(w, "\n%s %s.\n", style("Summary:", bold), summaryLine(p.Summary))
	fmt.Fprintf(w, "Digest: %s\n", safe(p.Digest))
	return w.Flush()
}
