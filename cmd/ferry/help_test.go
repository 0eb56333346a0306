package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelpDoesNotShowTheToken runs every command's -h, and a bad flag (which
// prints the flags too), with $FERRY_TOKEN set, and checks that the token is
// nowhere in what they print.
func TestHelpDoesNotShowTheToken(t *testing.T) {
	const token = "fy_0123456789abcdef-secret-token"
	t.Setenv("FERRY_TOKEN", token)
	commands := [][]string{{"plan"}, {"local"}, {"env"}, {"help"}}
	for name := range clientCommands() {
		commands = append(commands, []string{name})
	}
	for name := range envCommands() {
		commands = append(commands, []string{"env", name})
	}
	for _, cmd := range commands {
		for _, flag := range []string{"-h", "--no-such-flag"} {
			args := append(append([]string(nil), cmd...), flag)
			_, stdout, stderr := runCLI(args...)
			if strings.Contains(stdout+stderr, token) {
				t.Errorf("ferry %s prints $FERRY_TOKEN:\n%s%s", strings.Join(args, " "), stdout, stderr)
			}
			takesToken := cmd[0] != "local" && cmd[0] != "help" && strings.Join(cmd, " ") != "env"
			if flag == "-h" && takesToken && !strings.Contains(stdout, "(default $FERRY_TOKEN)") {
				t.Errorf("ferry %s -h does not say where the token comes from:\n%s", strings.Join(cmd, " "), stdout)
			}
		}
	}
}

// TestEnvShowRedactsForNonAdmins checks ferry env show and env policy for an
// admin, who reads the policy's secrets, and for anyone else, who reads hosts.
func TestEnvShowRedactsForNonAdmins(t *testing.T) {
	d := startDemo(t)
	pol := filepath.Join(t.TempDir(), "policy.json")
	const secret = "T000/B000/s3cr3t"
	body := `{"approval":"never","notify":[{"url":"https://hooks.slack.com/services/` + secret + `"}],` +
		`"deploy_hook":{"url":"https://deploy.example/hook?key=` + secret + `","secret_ref":"env:DEPLOY_SECRET"}}`
	if err := os.WriteFile(pol, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	d.expect(t, exitOK, "admin", []string{"env", "create", "hooked", "--policy", pol}, "environment hooked")
	for _, args := range [][]string{{"env", "show", "hooked"}, {"env", "policy", "hooked"}, {"env", "list", "--json"}} {
		out := d.expect(t, exitOK, "ana", args, `"https://hooks.slack.com/…"`, `"https://deploy.example/…"`, `"env:…"`)
		if strings.Contains(out, secret) || strings.Contains(out, "DEPLOY_SECRET") {
			t.Errorf("ferry %s shows a non-admin the secrets:\n%s", strings.Join(args, " "), out)
		}
		d.expect(t, exitOK, "admin", args, secret, "env:DEPLOY_SECRET")
	}
}
