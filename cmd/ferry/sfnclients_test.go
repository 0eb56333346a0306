package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// need checks a client program is at path, failing under CI=true and skipping
// elsewhere when it is missing.
func need(t *testing.T, what, path, how string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (%s): CI must test ferry local's signature check with it", what, how)
	}
	t.Skipf("%s is missing: %s", what, how)
}

// clientEnv is this process's environment without its AWS settings, with
// vars, and with no AWS config or credentials file: the client finds the
// credentials only where ferry local told the user to put them.
func clientEnv(t *testing.T, vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	none := filepath.Join(t.TempDir(), "none")
	env = append(env, "AWS_CONFIG_FILE="+none, "AWS_SHARED_CREDENTIALS_FILE="+none, "AWS_EC2_METADATA_DISABLED=true")
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// with is the export line's variables with some replaced.
func with(vars map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range vars {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// clientCase is one request a client makes: with vars, unsigned or not, and the
// state machine's name or the error code it should print.
type clientCase struct {
	name     string
	vars     map[string]string
	unsigned bool
	want     string
}

// TestSFNClients: the aws CLI, boto3 and the JavaScript SDK, unchanged and given
// only the variables ferry local prints, list its state machines; with a wrong
// secret, an unknown key or no signature they report AWS's error codes.
func TestSFNClients(t *testing.T) {
	l := startLocal(t, "--addr", "127.0.0.1:0")
	infra, err := filepath.Abs(filepath.Join("..", "..", "infra"))
	if err != nil {
		t.Fatal(err)
	}
	aws, _ := exec.LookPath("aws")
	python, _ := exec.LookPath("python3")
	node, _ := exec.LookPath("node")
	const boto3 = `import sys, boto3, botocore
cfg = botocore.config.Config(retries={"max_attempts": 1}, signature_version=botocore.UNSIGNED) if sys.argv[2:] == ["unsigned"] else None
for m in boto3.client("stepfunctions", endpoint_url=sys.argv[1], config=cfg).list_state_machines()["stateMachines"]:
    print(m["name"])
`
	clients := []struct {
		name    string
		need    func(t *testing.T)
		command func(ctx context.Context, unsigned bool) *exec.Cmd
		// unsigned says whether the client can send an unsigned request unchanged.
		unsigned bool
	}{
		{"aws CLI", func(t *testing.T) { need(t, "the aws CLI", aws, "install the AWS CLI") },
			func(ctx context.Context, unsigned bool) *exec.Cmd {
				args := []string{"stepfunctions", "list-state-machines", "--endpoint-url", l.endpoint, "--output", "text", "--query", "stateMachines[].name"}
				if unsigned {
					args = append(args, "--no-sign-request")
				}
				return exec.CommandContext(ctx, aws, args...)
			}, true},
		{"boto3", func(t *testing.T) {
			need(t, "python3", python, "install Python 3")
			if out, err := exec.Command(python, "-c", "import boto3").CombinedOutput(); err != nil {
				need(t, "boto3", "", "install boto3 for python3: "+strings.TrimSpace(string(out)))
			}
		}, func(ctx context.Context, unsigned bool) *exec.Cmd {
			args := []string{"-c", boto3, l.endpoint}
			if unsigned {
				args = append(args, "unsigned")
			}
			return exec.CommandContext(ctx, python, args...)
		}, true},
		{"JavaScript SDK", func(t *testing.T) {
			need(t, "node", node, "install Node.js")
			need(t, "@aws-sdk/client-sfn", filepath.Join(infra, "node_modules", "@aws-sdk", "client-sfn"),
				"run make test, which installs infra/package.json's packages")
		}, func(ctx context.Context, _ bool) *exec.Cmd {
			cmd := exec.CommandContext(ctx, node, filepath.Join(infra, "sfn-sdk-client.mjs"))
			cmd.Env = append(cmd.Env, "SFN_ENDPOINT="+l.endpoint)
			return cmd
		}, false},
	}
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			c.need(t)
			cases := []clientCase{
				{"signed", l.env, false, "ferry-promotion"},
				{"wrong secret", with(l.env, "AWS_SECRET_ACCESS_KEY", "x"+l.env["AWS_SECRET_ACCESS_KEY"][1:]), false, "InvalidSignatureException"},
				{"unknown key", with(l.env, "AWS_ACCESS_KEY_ID", "AKIAFERRYLOCALOTHER1"), false, "UnrecognizedClientException"},
			}
			if c.unsigned {
				cases = append(cases, clientCase{"unsigned", l.env, true, "MissingAuthenticationToken"})
			}
			for _, k := range cases {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				cmd := c.command(ctx, k.unsigned)
				cmd.Env = append(clientEnv(t, k.vars), cmd.Env...)
				var stdout, stderr strings.Builder
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				cancel()
				switch {
				case k.want == "ferry-promotion" && (err != nil || strings.TrimSpace(stdout.String()) != k.want):
					t.Errorf("%s: %v; stdout %q; stderr %q", k.name, err, stdout.String(), stderr.String())
				case k.want != "ferry-promotion" && (err == nil || !strings.Contains(stderr.String(), k.want)):
					t.Errorf("%s: %v; want %s; stdout %q; stderr %q", k.name, err, k.want, stdout.String(), stderr.String())
				}
			}
		})
	}
}
