package stepfn

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/sfnemu/sigv4"
)

// TestAPIWithTheJavaScriptSDK runs infra/sfn-sdk-flow.mjs, the JavaScript SDK
// v3's Step Functions client used as an application uses it, against the
// emulator served as ferry local serves it (under /sfn, SigV4 checked): the flow
// of TestAPIWithTheSDKClient, answered as AWS answers it. Node.js and infra's
// packages are needed: missing, the test fails under CI=true and is skipped
// elsewhere.
func TestAPIWithTheJavaScriptSDK(t *testing.T) {
	infra, err := filepath.Abs(filepath.Join("..", "..", "..", "infra"))
	if err != nil {
		t.Fatal(err)
	}
	node, _ := exec.LookPath("node")
	needFile(t, "node", node, "install Node.js")
	needFile(t, "@aws-sdk/client-sfn", filepath.Join(infra, "node_modules", "@aws-sdk", "client-sfn"),
		"run `npm ci` in infra/ (make test does)")

	em := New(Functions{"ask": Handle(func(context.Context, struct{}) (map[string]string, error) { return map[string]string{}, nil })})
	signed := (&sigv4.Verifier{Service: "states", Keys: map[string]string{"AKIDJSFLOW": "secret"}}).Handler(em.Handler())
	mux := http.NewServeMux()
	mux.Handle("POST /sfn", signed)
	mux.Handle("POST /sfn/{$}", signed) // where the JavaScript SDK posts
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(infra, "sfn-sdk-flow.mjs"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SFN_ENDPOINT=" + srv.URL + "/sfn", "SFN_FUNCTION=ask",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIDJSFLOW", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=" + filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(t.TempDir(), "none")}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the flow stopped: %v\nstderr: %s\nso far: %s", err, stderr.String(), stdout.String())
	}
	var got struct {
		StateMachineArn      string
		DescribeStateMachine struct{ Name, Type, RoleArn, Status string }
		Start                struct {
			ExecutionArn string
			HasStartDate bool
		}
		StartSameInput, StartOtherInput, StartBadInput string
		Running, SendTaskSuccess, SendTaskSuccessAgain string
		Done                                           struct {
			Status, Output string
			HasStopDate    bool
		}
		StartClosed                                    struct{ Error, Message string }
		History                                        []string
		HistoryIDs                                     []int
		ExecutionStartedRoleArn                        string
		ListSucceeded, ListRunning, ListPendingRedrive []string
		ListBadStatus, ListBadMaxResults               struct {
			Error, Message string
			Status         int
		}
		Pages []any
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	const role = "arn:aws:iam::123456789012:role/js-flow"
	execARN := "arn:aws:states:us-east-1:123456789012:execution:js-flow:e1"
	checks := []struct {
		what string
		ok   bool
	}{
		{"CreateStateMachine's ARN", got.StateMachineArn == "arn:aws:states:us-east-1:123456789012:stateMachine:js-flow"},
		{"DescribeStateMachine", got.DescribeStateMachine == struct{ Name, Type, RoleArn, Status string }{"js-flow", "STANDARD", role, "ACTIVE"}},
		{"StartExecution", got.Start.ExecutionArn == execARN && got.Start.HasStartDate},
		{"a start with the same name and input while it runs", got.StartSameInput == execARN},
		{"a start with the same name and other input", got.StartOtherInput == "ExecutionAlreadyExists"},
		{"a start with input that is not JSON", got.StartBadInput == "InvalidExecutionInput"},
		{"DescribeExecution while the task waits", got.Running == "RUNNING"},
		{"SendTaskSuccess", got.SendTaskSuccess == "ok"},
		{"SendTaskSuccess with a used token", got.SendTaskSuccessAgain == "TaskDoesNotExist"},
		{"DescribeExecution at the end", got.Done.Status == "SUCCEEDED" && got.Done.Output == `{"answer":{"ok":true},"id":"e1"}` && got.Done.HasStopDate},
		{"a start with the name of a closed execution", got.StartClosed.Error == "ExecutionAlreadyExists"},
		{"the history, paged by 2", strings.Join(got.History, ",") == "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,"+
			"TaskSubmitted,TaskSucceeded,TaskStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded" &&
			slices.Equal(got.HistoryIDs, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})},
		{"the execution's roleArn", got.ExecutionStartedRoleArn == role},
		{"ListExecutions SUCCEEDED", slices.Equal(got.ListSucceeded, []string{"e1"})},
		{"ListExecutions RUNNING", len(got.ListRunning) == 0 && got.ListRunning != nil},
		{"ListExecutions PENDING_REDRIVE", len(got.ListPendingRedrive) == 0 && got.ListPendingRedrive != nil},
		{"ListExecutions with an unknown statusFilter", got.ListBadStatus.Error == "ValidationException" && got.ListBadStatus.Status == 400 &&
			strings.Contains(got.ListBadStatus.Message, "'statusFilter' failed to satisfy constraint")},
		{"ListExecutions with maxResults 1001", got.ListBadMaxResults.Error == "ValidationException" &&
			strings.Contains(got.ListBadMaxResults.Message, "'maxResults' failed to satisfy constraint")},
		{"ListExecutions a page at a time, newest first", asText(got.Pages) == `[["e3"],["e1"],true]`},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: not as AWS answers it; the flow gave\n%s", c.what, stdout.String())
		}
	}
}

func asText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// needFile checks a program or package the test runs is at path: missing, the
// test fails under CI=true (CI must run it) and is skipped elsewhere.
func needFile(t *testing.T, what, path, how string) {
	t.Helper()
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (%s)", what, how)
	}
	t.Skipf("%s is missing: %s", what, how)
}
