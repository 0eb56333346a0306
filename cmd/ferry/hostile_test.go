package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/termsafe"
)

// hostile would clear the screen, forge a hyperlink and reverse what follows it,
// if the terminal obeyed it.
const hostile = "\x1b[2J\x1b]8;;http://evil\x07click\x1b]8;;\x07\u202eevil\u2066"

// TestDataIsPrintedEscaped runs the commands that print data from a server on a
// release, a comment and a freeze reason that hold escape sequences and bidi
// controls, and checks that every output shows them escaped and none passes one
// through.
func TestDataIsPrintedEscaped(t *testing.T) {
	d := startDemo(t)
	dir := t.TempDir()
	write := func(name string, v any) string {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	pol := write("policy.json", map[string]any{"approval": "breaking", "approvers": []string{"ana"}})
	clean := write("clean.json", map[string]any{"name": "clean", "nodes": []any{
		map[string]any{"name": "orders", "kind": "model", "columns": []any{map[string]string{"name": "id", "type": "int"}}}}})
	evil := write("evil.json", map[string]any{"name": "v2" + hostile,
		"source": map[string]string{"commit": "abc", "message": "fix" + hostile, "author": "eve" + hostile},
		"checks": []any{map[string]string{"name": "tests" + hostile, "status": "passed"}},
		"nodes": []any{map[string]any{"name": "orders", "kind": "view" + hostile, "columns": []any{
			map[string]string{"name": "id", "type": "bigint" + hostile},
			map[string]string{"name": "note" + hostile, "type": "text" + hostile}}}}})

	// checked fails when out passes an unsafe rune through, and returns it.
	checked := func(out string) string {
		t.Helper()
		for _, r := range out {
			if r != '\n' && termsafe.Unsafe(r) {
				t.Errorf("the output passes %U through:\n%q", r, out)
				break
			}
		}
		return out
	}
	escaped := []string{`\x1b[2J`, `\x1b]8;;http://evil\x07click`, `\u202eevil\u2066`}

	d.expect(t, exitOK, "admin", []string{"env", "create", "qa-h", "--policy", pol}, "environment qa-h")
	d.expect(t, exitOK, "ci", []string{"start", "--env", "qa-h", "--release", clean, "--wait", "--timeout", "10s"}, "SUCCEEDED")
	checked(d.expect(t, exitOK, "ana", []string{"plan", "--env", "qa-h", "--release", evil, "--color", "never"},
		append([]string{"kind changed: model → view" + `\x1b[2J`, "id int → bigint" + `\x1b[2J`, "note" + `\x1b[2J`, "v2" + `\x1b[2J`}, escaped...)...))
	out := checked(d.expect(t, exitOK, "ci", []string{"start", "--env", "qa-h", "--release", evil}, append([]string{"AWAITING_APPROVAL"}, escaped...)...))
	id := startedID(t, out)
	checked(d.expect(t, exitOK, "ana", []string{"approve", id, "--comment", "ok" + hostile}, escaped...))
	checked(d.expect(t, exitOK, "ana", []string{"wait", id, "--timeout", "10s"}, append([]string{"SUCCEEDED", "ok" + `\x1b[2J`}, escaped...)...))
	checked(d.expect(t, exitOK, "ana", []string{"status", id}, append([]string{"ok" + `\x1b[2J`}, escaped...)...))
	checked(d.expect(t, exitOK, "ana", []string{"history", "qa-h"}, "VERSION", id))
	checked(d.expect(t, exitOK, "admin", []string{"env", "freeze", "qa-h", "--reason", "audit" + hostile, "--for", "1h"}, escaped...))
	checked(d.expect(t, exitFailed, "ci", []string{"start", "--env", "qa-h", "--source", "dev", "--wait", "--timeout", "10s"},
		append([]string{"FAILED", "audit" + `\x1b[2J`}, escaped...)...))
	checked(d.expect(t, exitOK, "ana", []string{"status"}, "qa-h"))
}

func TestErrorsArePrintedEscaped(t *testing.T) {
	var stderr strings.Builder
	fail(&stderr, errors.New("frozen: "+hostile+"\nsecond line"))
	if got := stderr.String(); strings.ContainsAny(got, "\x1b\x07\u202e\u2066") || !strings.Contains(got, `frozen: \x1b[2J`) ||
		!strings.HasSuffix(got, " second line\n") {
		t.Errorf("fail printed %q", got)
	}
}
