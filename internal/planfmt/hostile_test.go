package planfmt

import (
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/termsafe"
)

// hostile is text that would clear the screen, forge a hyperlink, or reverse
// what follows it, if a terminal or a pull-request page obeyed it.
const hostile = "x\x1b[2J\x1b]8;;http://evil\x07y\u202ez\u2066\u200b\u009b\x9b"

// hostilePlan puts hostile text in every field a renderer prints.
func hostilePlan() *plan.Plan {
	h := func(s string) string { return s + hostile }
	breaking := plan.Change{Node: h("orders"), Kind: h("model"), Category: plan.Breaking,
		Details: plan.Details{
			KindChanged:         &plan.KindChange{From: h("view"), To: h("model")},
			ColumnsAdded:        []release.Column{{Name: h("added"), Type: h("int")}},
			ColumnsRemoved:      []release.Column{{Name: h("removed"), Type: h("text")}},
			ColumnsRetyped:      []plan.Retype{{Name: h("retyped"), From: h("int"), To: h("bigint")}},
			SpecKeysChanged:     []string{h("sql")},
			DependsOnAdded:      []string{h("up")},
			DependsOnRemoved:    []string{h("down")},
			MetadataKeysChanged: []string{h("owner")},
		},
		Impacted: []string{h("downstream")}, ImpactedCount: 1}
	return &plan.Plan{Target: h("prod"), Digest: "sha256:" + h("d"), Changes: []plan.Change{breaking},
		Indirect: []plan.IndirectNode{{Node: h("indirect"), Kind: h("model"),
			Upstream: plan.Upstream{ImpactedBy: []string{h("breaking")}, ImpactedByCount: 1, ImpactedByCountExact: true, Via: []string{h("via")}}}}, Summary: plan.Summary{Breaking: 1, Indirect: 1}}
}

// TestHostileText checks that no renderer for people passes an escape sequence
// or a bidi control through, in any field, and that text output keeps its own
// colours.
func TestHostileText(t *testing.T) {
	opts := Options{Base: "base" + hostile, Candidate: "new" + hostile}
	colored := opts
	colored.Color = true
	for name, out := range map[string]string{
		"text":     string(render(t, Text, hostilePlan(), opts)),
		"colour":   string(render(t, Text, hostilePlan(), colored)),
		"markdown": string(render(t, Markdown, hostilePlan(), opts)),
	} {
		shown := out
		if name == "colour" {
			if !strings.Contains(out, red) || !strings.Contains(out, reset) {
				t.Errorf("colour output has no colours:\n%s", out)
			}
			for _, code := range []string{reset, bold, red, green, yellow, cyan, dim} {
				shown = strings.ReplaceAll(shown, code, "")
			}
		}
		for _, r := range shown {
			if r != '\n' && termsafe.Unsafe(r) {
				t.Errorf("%s output passes %U through:\n%q", name, r, out)
				break
			}
		}
		for _, want := range []string{`\x1b[2J`, `\x1b]8;;http://evil\x07`, `\u202e`, `\u2066`, `\u200b`, `\u009b`, `\x9b`} {
			if name == "markdown" {
				want = strings.ReplaceAll(want, "[", `\[`)
			}
			if !strings.Contains(shown, want) {
				t.Errorf("%s output does not show %s", name, want)
			}
		}
		// Every field is there, escaped.
		for _, field := range []string{"orders", "model", "view", "added", "int", "removed", "text", "retyped", "bigint",
			"sql", "up", "down", "owner", "downstream", "indirect", "prod", "base", "new"} {
			if !strings.Contains(shown, field+`x\x1b`) && !strings.Contains(shown, field+`x\\x1b`) {
				t.Errorf("%s output does not show %s escaped", name, field)
			}
		}
	}
}
