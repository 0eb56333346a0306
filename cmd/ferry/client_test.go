package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/promotion"
)

// demo is ferry local --demo running in this process, with the tokens it printed.
type demo struct {
	server string
	tokens map[string]string
}

// startDemo runs ferry local --demo as a newcomer would and reads the page URL and
// the tokens from what it prints.
func startDemo(t *testing.T) *demo {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"local", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo"}, &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("ferry local exited %d: %s", code, stderr.String())
		}
	})
	page := regexp.MustCompile(`Approval page: (http://\S+)/\n`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		out := stdout.String()
		m := page.FindStringSubmatch(out)
		if m == nil || !strings.Contains(out, "Press Ctrl-C") {
			continue
		}
		d := &demo{server: m[1], tokens: map[string]string{}}
		for _, line := range regexp.MustCompile(`(?m)^\s+(\w+)\s+(fy_[0-9a-f]+)\s`).FindAllStringSubmatch(out, -1) {
			d.tokens[line[1]] = line[2]
		}
		if len(d.tokens) != 5 {
			t.Fatalf("tokens printed: %v\n%s", d.tokens, out)
		}
		return d
	}
	t.Fatalf("ferry local did not start: %s %s", stdout.String(), stderr.String())
	return nil
}

// ferry runs a client command as user and returns its exit code and output.
func (d *demo) ferry(t *testing.T, user string, args ...string) (int, string) {
	t.Helper()
	t.Setenv("FERRY_SERVER", d.server)
	t.Setenv("FERRY_TOKEN", d.tokens[user])
	var stdout, stderr syncBuffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

// expect runs a command and fails unless it exits with code and says each of says.
func (d *demo) expect(t *testing.T, code int, user string, args []string, says ...string) string {
	t.Helper()
	got, out := d.ferry(t, user, args...)
	if got != code {
		t.Fatalf("ferry %s as %s: exit %d, want %d:\n%s", strings.Join(args, " "), user, got, code, out)
	}
	for _, s := range says {
		if !strings.Contains(out, s) {
			t.Errorf("ferry %s: output does not say %q:\n%s", strings.Join(args, " "), s, out)
		}
	}
	return out
}

// startedID reads the id ferry start or rollback printed.
func startedID(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`promotion (\S+) started`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no promotion id in %q", out)
	}
	return m[1]
}

func TestNewcomerFlow(t *testing.T) {
	d := startDemo(t)
	d.expect(t, exitOK, "ana", []string{"status"}, "staging", "prod", "1 promotion(s) awaiting approval", "demo-v1-4-0-staging")
	d.expect(t, exitOK, "ana", []string{"status", "demo-v1-4-0-staging"}, "AWAITING_APPROVAL", "0 of 1 from ana, bo, group:reviewers")
	d.expect(t, exitChanges, "ana", []string{"plan", "--env", "prod", "--source", "dev", "--detailed-exitcode"},
		"prod at version 1", "stg_orders", "2 breaking")
	d.expect(t, exitOK, "ana", []string{"plan", "--env", "dev", "--release", filepath.Join("..", "..", "examples", "v2.yaml"), "--format", "json"},
		`"target": "dev"`, `"breaking": 0`)
	d.expect(t, exitError, "ana", []string{"plan", "--env", "dev"}, "one of --release FILE or --source ENV")
	d.expect(t, exitOK, "ana", []string{"approve", "demo-v1-4-0-staging", "--comment", "looks right"}, "1 of 1 approval(s) recorded")
	d.expect(t, exitOK, "ana", []string{"wait", "demo-v1-4-0-staging", "--timeout", "10s"}, "SUCCEEDED", "approve    ana")

	t.Run("rejected", func(t *testing.T) {
		id := startedID(t, d.expect(t, exitOK, "ci", []string{"start", "--env", "prod", "--source", "staging"}, "started"))
		d.expect(t, exitError, "bo", []string{"reject", id}, "--comment")
		d.expect(t, exitError, "admin", []string{"approve", id, "--comment", "x"}, "admin is not an approver")
		d.expect(t, exitError, "ci", []string{"approve", id}, "ci requested this promotion")
		d.expect(t, exitOK, "bo", []string{"reject", id, "--comment", "not before the freeze"}, "0 of 2")
		d.expect(t, exitRejected, "bo", []string{"wait", id}, "REJECTED", "not before the freeze")
	})
	t.Run("cancelled", func(t *testing.T) {
		id := startedID(t, d.expect(t, exitOK, "ci", []string{"start", "--env", "prod", "--source", "staging", "--id", "ship-81"}, "ship-81"))
		d.expect(t, exitError, "ana", []string{"cancel", id}, "forbidden", "only ci")
		d.expect(t, exitOK, "ci", []string{"cancel", id}, "CANCELLED")
		d.expect(t, exitCancelled, "ci", []string{"wait", id}, "CANCELLED")
		// A CI job retried after the promotion ended: nothing starts, and the
		// exit code is the outcome's, as a wait would give it.
		d.expect(t, exitCancelled, "ci", []string{"start", "--env", "prod", "--source", "staging", "--id", "ship-81", "--wait"},
			"promotion ship-81 already ran: it ended CANCELLED at ", "nothing was started; choose a new --id")
	})
	t.Run("a release file, waited for", func(t *testing.T) {
		d.expect(t, exitOK, "ci", []string{"start", "--env", "dev", "--release", filepath.Join("..", "..", "examples", "v1.yaml"), "--wait", "--timeout", "10s"},
			"SUCCEEDED", "into dev")
		d.expect(t, exitOK, "ci", []string{"rollback", "dev", "--wait", "--timeout", "10s"}, "SUCCEEDED", "via rollback")
		d.expect(t, exitOK, "ana", []string{"history", "dev"}, "VERSION", "rollback", "demo seed")
		d.expect(t, exitError, "ci", []string{"rollback", "dev", "--to", "9"}, "no earlier version 9")
	})
	t.Run("environments", func(t *testing.T) {
		pol := filepath.Join(t.TempDir(), "qa.json")
		if err := os.WriteFile(pol, []byte(`{"approval":"never"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		d.expect(t, exitError, "ana", []string{"env", "create", "qa", "--policy", pol}, "only admins")
		d.expect(t, exitOK, "admin", []string{"env", "create", "qa", "--policy", pol}, "environment qa", "approval never")
		d.expect(t, exitOK, "ana", []string{"env", "policy", "qa"}, `"approval": "never"`)
		d.expect(t, exitOK, "admin", []string{"env", "freeze", "qa", "--reason", "audit", "--for", "1h"}, "frozen by admin", "audit")
		d.expect(t, exitFailed, "ci", []string{"start", "--env", "qa", "--source", "dev", "--wait", "--timeout", "10s"}, "FAILED", "frozen by admin")
		d.expect(t, exitOK, "admin", []string{"env", "unfreeze", "qa"}, "not frozen")
		d.expect(t, exitOK, "ci", []string{"start", "--env", "qa", "--source", "dev", "--wait", "--timeout", "10s"}, "SUCCEEDED")
		d.expect(t, exitOK, "ana", []string{"env", "show", "qa"}, `"version": 1`)
		d.expect(t, exitOK, "admin", []string{"env", "create", "pr-9", "--policy", pol, "--ephemeral"}, "environment pr-9")
		d.expect(t, exitOK, "ci", []string{"env", "extend", "pr-9", "--ttl", "48h"}, "expires at")
		d.expect(t, exitOK, "admin", []string{"env", "delete", "pr-9"}, "deleted")
		d.expect(t, exitOK, "ana", []string{"env", "list"}, "qa", "0 promotion(s) awaiting approval")
		bad := filepath.Join(t.TempDir(), "bad.json")
		if err := os.WriteFile(bad, []byte(`{"aproval":"never"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		d.expect(t, exitError, "admin", []string{"env", "policy", "qa", "--set", bad}, `unknown field "aproval"`)
	})
	t.Run("mistakes", func(t *testing.T) {
		d.expect(t, exitError, "nobody", []string{"status"}, "unauthorized")
		d.expect(t, exitError, "ci", []string{"start", "--env", "dev"}, "--release FILE or --source ENV")
		d.expect(t, exitError, "ci", []string{"start", "--env", "nowhere", "--source", "dev"}, "not_found")
		d.expect(t, exitError, "ci", []string{"start", "--env", "dev", "--release", "missing.yaml"}, "missing.yaml")
		d.expect(t, exitError, "ci", []string{"wait"}, "expected 1 argument")
		d.expect(t, exitError, "ci", []string{"env", "grow"}, `unknown subcommand "grow"`)
		d.expect(t, exitOK, "ci", []string{"start", "-h"}, "Usage: ferry start")
	})
}

func TestExitCodes(t *testing.T) {
	for state, want := range map[promotion.State]int{
		promotion.Succeeded: exitOK, promotion.NoChanges: exitOK, promotion.Failed: exitFailed, promotion.RolledBack: exitFailed,
		promotion.Rejected: exitRejected, promotion.Expired: exitExpired, promotion.Cancelled: exitCancelled,
	} {
		if got := exitFor(state); got != want {
			t.Errorf("exitFor(%s) = %d, want %d", state, got, want)
		}
	}
}
