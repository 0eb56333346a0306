package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// syncBuffer is a buffer the command writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// localRun is ferry local running in this process, as started by startLocal.
type localRun struct {
	stdout, stderr *syncBuffer
	// endpoint is the Step Functions API's URL it printed; env the variables of
	// its export line, by name.
	endpoint string
	env      map[string]string
	stop     func() int
}

// startLocal runs ferry local with args (and a fresh --data) until it says it is
// ready, and stops it when the test ends.
func startLocal(t *testing.T, args ...string) *localRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &localRun{stdout: &syncBuffer{}, stderr: &syncBuffer{}, env: map[string]string{}}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"local", "--data", t.TempDir()}, args...), l.stdout, l.stderr)
	}()
	l.stop = sync.OnceValue(func() int {
		cancel()
		return <-done
	})
	t.Cleanup(func() { l.stop() })
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(l.stdout.String(), "Press Ctrl-C") && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
	}
	out := l.stdout.String()
	if m := regexp.MustCompile(`Step Functions API: (http://\S+)`).FindStringSubmatch(out); m != nil {
		l.endpoint = m[1]
	}
	if m := regexp.MustCompile(`(?m)^\s+export (AWS_.*)$`).FindStringSubmatch(out); m != nil {
		for _, pair := range strings.Fields(m[1]) {
			k, v, _ := strings.Cut(pair, "=")
			l.env[k] = v
		}
	}
	if l.endpoint == "" || l.env["AWS_ACCESS_KEY_ID"] == "" || l.env["AWS_SECRET_ACCESS_KEY"] == "" {
		t.Fatalf("no endpoint or credentials printed; stdout %q, stderr %q", out, l.stderr.String())
	}
	return l
}

// TestLocal runs ferry local --demo as a user would, asks its Step Functions API
// what runs with the credentials it printed, and stops it.
func TestLocal(t *testing.T) {
	ctx := context.Background()
	l := startLocal(t, "--addr", "127.0.0.1:0", "--demo")
	client := sfn.New(sfn.Options{Region: l.env["AWS_REGION"], BaseEndpoint: aws.String(l.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(l.env["AWS_ACCESS_KEY_ID"], l.env["AWS_SECRET_ACCESS_KEY"], "")})
	machines, err := client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil || len(machines.StateMachines) != 1 {
		t.Fatalf("ListStateMachines: %+v, %v", machines, err)
	}
	execs, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: machines.StateMachines[0].StateMachineArn, StatusFilter: "RUNNING"})
	if err != nil || len(execs.Executions) != 1 || aws.ToString(execs.Executions[0].Name) != "demo-v1-4-0-staging" {
		t.Errorf("running executions %+v, %v", execs, err)
	}
	if code := l.stop(); code != exitOK || !strings.Contains(l.stdout.String(), "Stopping.") {
		t.Errorf("exit %d; stdout %q; stderr %q", code, l.stdout.String(), l.stderr.String())
	}
}

// TestLocalRemote: ferry local refuses an address other machines reach unless
// --allow-remote says so, and then warns.
func TestLocalRemote(t *testing.T) {
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"local", "--addr", "0.0.0.0:0", "--data", t.TempDir()}, &stdout, &stderr)
	if code == exitOK || !strings.Contains(stderr.String(), "0.0.0.0:0 is not a loopback address") || !strings.Contains(stderr.String(), "--allow-remote") {
		t.Errorf("without --allow-remote: exit %d; stdout %q; stderr %q", code, stdout.String(), stderr.String())
	}
	l := startLocal(t, "--addr", "0.0.0.0:0", "--allow-remote")
	if !strings.Contains(l.stderr.String(), "WARNING: ferry local listens on 0.0.0.0:0, which other machines may reach") ||
		!strings.HasPrefix(l.endpoint, "http://127.0.0.1:") {
		t.Errorf("with --allow-remote: endpoint %s; stderr %q", l.endpoint, l.stderr.String())
	}
	if code := l.stop(); code != exitOK {
		t.Errorf("exit %d; stderr %q", code, l.stderr.String())
	}
}

// TestDemoUsersJoinAnExistingFile: a data directory first used without --demo
// gets the demo's users added, and keeps its own tokens.
func TestDemoUsersJoinAnExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	plain, err := identities(path, false)
	if err != nil || len(plain.Users) != 1 || plain.Users[0].Name != "admin" {
		t.Fatalf("first start: %+v, %v", plain, err)
	}
	demo, err := identities(path, true)
	if err != nil || len(demo.Users) != 5 || demo.Users[0].Token != plain.Users[0].Token {
		t.Fatalf("with --demo: %+v, %v", demo, err)
	}
	again, err := identities(path, true)
	if err != nil || !reflect.DeepEqual(again, demo) {
		t.Errorf("a third start changed the file: %+v, %v", again, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the file's mode: %v, %v", info.Mode(), err)
	}
}
