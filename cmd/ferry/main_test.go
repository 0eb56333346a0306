package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	v1 = "../../examples/v1.yaml"
	v2 = "../../examples/v2.yaml"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestPlanExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"changes", []string{"plan", v1, v2}, exitOK},
		{"changes, detailed", []string{"plan", "--detailed-exitcode", v1, v2}, exitChanges},
		{"no changes, detailed", []string{"plan", "--detailed-exitcode", v1, v1}, exitOK},
		{"flags after arguments", []string{"plan", v1, v2, "--detailed-exitcode", "--format", "json"}, exitChanges},
		{"dbt manifests", []string{"plan", "../../internal/dbt/testdata/shop_v5.json", "../../internal/dbt/testdata/shop_v12.json"}, exitOK},
		{"missing file", []string{"plan", v1, "nope.yaml"}, exitError},
		{"one argument", []string{"plan", v1}, exitError},
		{"three arguments", []string{"plan", v1, v2, v2}, exitError},
		{"bad format", []string{"plan", "--format", "xml", v1, v2}, exitError},
		{"bad input format", []string{"plan", "--input-format", "xml", v1, v2}, exitError},
		{"bad colour", []string{"plan", "--color", "pink", v1, v2}, exitError},
		{"unknown flag", []string{"plan", "--nope", v1, v2}, exitError},
		{"unknown command", []string{"deploy"}, exitError},
		{"no command", nil, exitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(tt.args...)
			if code != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
		})
	}
}

func TestPlanJSON(t *testing.T) {
	code, stdout, _ := runCLI("plan", "--format", "json", v1, v2)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var p struct {
		Summary map[string]int `json:"summary"`
		Changes []struct {
			Node     string `json:"node"`
			Category string `json:"category"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(stdout), &p); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if p.Summary["breaking"] != 2 || len(p.Changes) != 6 {
		t.Errorf("summary %v, %d changes", p.Summary, len(p.Changes))
	}
}

func TestPlanBadInputIsOneLineNamingTheFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("nodes:\n  - {name: a, kind: k, depends_on: [ghost]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("plan", v1, bad)
	if code != exitError || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	if strings.Count(stderr, "\n") != 1 {
		t.Errorf("error is not one line: %q", stderr)
	}
	for _, want := range []string{"bad.yaml:2", `node "a"`, "depends_on", `unknown node "ghost"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("error %q does not mention %q", stderr, want)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	if code, out, _ := runCLI("plan", "-h"); code != exitOK || !strings.Contains(out, "Usage: ferry plan") || !strings.Contains(out, "-detailed-exitcode") {
		t.Errorf("plan -h: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI("--help"); code != exitOK || !strings.Contains(out, "ferry plan") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI("version"); code != exitOK || !strings.HasPrefix(out, "ferry dev (go") {
		t.Errorf("version: exit %d %q", code, out)
	}
}

func TestParseArgsStopsAtDoubleDash(t *testing.T) {
	code, _, stderr := runCLI("plan", "--", v1, "--format")
	if code != exitError || !strings.Contains(stderr, "--format") {
		t.Errorf("after --, a flag-like argument is a path: exit %d, stderr %q", code, stderr)
	}
}
