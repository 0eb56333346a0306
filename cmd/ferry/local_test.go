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

// TestLocal runs ferry local --demo as a user would, asks its Step Functions API
// what runs, and stops it.
func TestLocal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"local", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo"}, &stdout, &stderr)
	}()
	endpoint := regexp.MustCompile(`Step Functions API: (http://\S+)`)
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := endpoint.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("no endpoint printed; stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	client := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	machines, err := client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil || len(machines.StateMachines) != 1 {
		t.Fatalf("ListStateMachines: %+v, %v", machines, err)
	}
	execs, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: machines.StateMachines[0].StateMachineArn, StatusFilter: "RUNNING"})
	if err != nil || len(execs.Executions) != 1 || aws.ToString(execs.Executions[0].Name) != "demo-v1.4.0-staging" {
		t.Errorf("running executions %+v, %v", execs, err)
	}
	cancel()
	if code := <-done; code != exitOK || !strings.Contains(stdout.String(), "Stopping.") {
		t.Errorf("exit %d; stdout %q; stderr %q", code, stdout.String(), stderr.String())
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
