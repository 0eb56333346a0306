package site_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBrowser runs the page's browser tests (browsertest/run.mjs) in
// Debian's chromium with playwright-core against `ferry local --demo`, built from
// this checkout and started on a free port, signing people in with a real
// OpenID provider started here too (oidc_test.go) besides the printed tokens.
// make test installs both; in CI they must be there, elsewhere the test skips
// with how to run it. Screenshots go to build/screenshots.
func TestBrowser(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	chromium := envOr("CHROMIUM", "/usr/bin/chromium")
	playwright := filepath.Join(root, "infra", "node_modules", "playwright-core", "index.mjs")
	axe := filepath.Join(root, "infra", "node_modules", "axe-core", "axe.min.js")
	for _, need := range []string{chromium, playwright, axe} {
		if _, err := os.Stat(need); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing: make test installs chromium and playwright-core", need)
			}
			t.Skipf("%s is missing; run make test, which installs chromium and playwright-core", need)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: the browser tests need Node.js")
	}
	ferry := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command("go", "build", "-o", ferry, "./cmd/ferry")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building ferry: %v\n%s", err, out)
	}
	provider := startProvider(t)
	url, tokens := startDemo(t, ferry, "--oidc-issuer", provider.issuer, "--oidc-audience", providerClientID)
	provider.allow(url)
	tokenJSON, err := json.Marshal(tokens)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "site", "browsertest", "run.mjs"))
	cmd.Env = append(os.Environ(), "FERRY_URL="+url, "FERRY_TOKENS="+string(tokenJSON), "CHROMIUM="+chromium,
		"PLAYWRIGHT="+playwright, "AXE="+axe, "SCREENSHOTS="+filepath.Join(root, "build", "screenshots"),
		"FERRY_OIDC_ISSUER="+provider.issuer, "FERRY_OIDC_USER="+provider.user, "FERRY_OIDC_PASSWORD="+provider.password,
		"FERRY_OIDC_SUBJECT="+provider.subject, "FERRY_OIDC_EXPIRED="+provider.expiredToken(t))
	out, err := cmd.CombinedOutput()
	t.Logf("browser tests:\n%s", out)
	if err != nil {
		t.Fatalf("the browser tests failed: %v", err)
	}
	ran := regexp.MustCompile(`(?m)^scenarios: (\d+)$`).FindStringSubmatch(string(out))
	if ran == nil {
		t.Fatal("the runner did not say how many scenarios it ran")
	}
	n, _ := strconv.Atoi(ran[1])
	if passed := len(regexp.MustCompile(`(?m)^ok   `).FindAllIndex(out, -1)); passed != n {
		t.Errorf("%d of %d scenarios passed", passed, n)
	}
	if os.Getenv("FERRY_SCENARIOS") == "" && n < minScenarios {
		t.Errorf("only %d scenarios ran; there are at least %d", n, minScenarios)
	}
}

// minScenarios is how many browser scenarios there are at least: a module left
// out of run.mjs fails the test rather than passing unseen.
const minScenarios = 34

// startDemo runs ferry local --demo on a free port, with args, and returns the
// page's URL and the tokens it printed, by user.
func startDemo(t *testing.T, ferry string, args ...string) (string, map[string]string) {
	t.Helper()
	cmd := exec.Command(ferry, append([]string{"local", "--demo", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	page := regexp.MustCompile(`^Approval page: (http://\S+)/$`)
	user := regexp.MustCompile(`^\s+(\w+)\s+(fy_[0-9a-f]+)\s`)
	var url string
	tokens := map[string]string{}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		line := lines.Text()
		if m := page.FindStringSubmatch(line); m != nil {
			url = m[1]
		}
		if m := user.FindStringSubmatch(line); m != nil {
			tokens[m[1]] = m[2]
		}
		if strings.HasPrefix(line, "Press Ctrl-C") {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return url, tokens
		}
	}
	t.Fatalf("ferry local stopped before it was ready: %v", lines.Err())
	return "", nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
