package awstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// invokePath is where RIE takes invocations, as Lambda's Invoke API does.
const invokePath = "/2015-03-31/functions/function/invocations"

// buildFunctions builds every functions/<name> for this machine, as `make
// package` does for Lambda but for the host's architecture, into dir.
func buildFunctions(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "lambda.norpc", "-o", dir+string(filepath.Separator), "./functions/...")
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the functions: %v\n%s", err, out)
	}
}

// repoRoot is the module's root, two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(filepath.Dir(wd))
}

// freePorts asks the kernel for n distinct free loopback ports.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// waitListening waits until something accepts connections on addr, or fails
// the test after a minute, or once done reports the process ended.
func waitListening(t *testing.T, what, addr string, done <-chan struct{}, log func() string) {
	t.Helper()
	for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(50 * time.Millisecond) {
		select {
		case <-done:
			t.Fatalf("%s ended before listening on %s:\n%s", what, addr, log())
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("%s did not listen on %s within a minute:\n%s", what, addr, log())
}

// output collects a process's output, safe for the process and the test.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// startProcess runs cmd until the test ends, when it is killed; its output is
// kept, and shown when the test fails.
func startProcess(t *testing.T, what string, cmd *exec.Cmd) (*output, <-chan struct{}) {
	t.Helper()
	out := &output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", what, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("%s output:\n%s", what, tail(out.String(), 6000))
		}
	})
	return out, done
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// rie is one function's binary running under aws-lambda-rie.
type rie struct {
	fn  *function
	url string
	out *output
	// mu makes the test's invocations wait for each other: one RIE, like one
	// Lambda execution environment, runs one invocation at a time.
	mu sync.Mutex
	// first is the wall time of the first invocation the test sent, when it was
	// the function's first; zero otherwise.
	first time.Duration
	sent  bool
}

// ports are a function's two under RIE: the runtime API its binary polls, and
// the invocation endpoint.
type ports struct{ runtime, invoke int }

// startRIE runs bin under the emulator at the given ports, with exactly the
// environment Lambda would give it: the template's variables, the function's
// settings, and the region, credentials and endpoints of the local services.
func startRIE(t *testing.T, riePath, bin string, fn *function, port ports, aws map[string]string) *rie {
	t.Helper()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_FUNCTION_NAME=ferry-" + fn.Name,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(fn.Timeout),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(fn.Memory),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	if fn.LogFormat != "" {
		env = append(env, "AWS_LAMBDA_LOG_FORMAT="+fn.LogFormat)
	}
	for _, vars := range []map[string]string{aws, fn.Env} {
		for k, v := range vars {
			env = append(env, k+"="+v)
		}
	}
	sort.Strings(env)
	addr := fmt.Sprintf("127.0.0.1:%d", port.invoke)
	cmd := exec.Command(riePath, "--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", port.runtime),
		"--runtime-interface-emulator-address", addr, bin)
	cmd.Env, cmd.Dir = env, filepath.Dir(bin)
	out, done := startProcess(t, "aws-lambda-rie "+fn.Name, cmd)
	waitListening(t, "aws-lambda-rie "+fn.Name, addr, done, out.String)
	return &rie{fn: fn, url: "http://" + addr, out: out}
}

// lambdaError is what the runtime reports for an error a handler returned; its
// Type is the name Step Functions' Retry and Catch match.
type lambdaError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// invoke sends payload to the function as Lambda's Invoke does and returns its
// answer, or the error it reported.
func (r *rie) invoke(t *testing.T, payload any) (json.RawMessage, *lambdaError) {
	t.Helper()
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.fn.Timeout+30)*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url+invokePath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	// The function's first invocation, unless another caller (moto) came first.
	cold := !r.sent && initDuration(r.out.String()) == ""
	r.sent = true
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoking %s: %v", r.fn.Name, err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("invoking %s: status %d, %v: %s", r.fn.Name, res.StatusCode, err, answer)
	}
	if cold {
		r.first = time.Since(start)
	}
	var le lambdaError
	if dec := json.NewDecoder(bytes.NewReader(answer)); dec.Decode(&le) == nil && le.Type != "" && isErrorObject(answer) {
		return nil, &le
	}
	return answer, nil
}

// isErrorObject reports whether answer has only the keys the runtime's error
// report has, as the moto harness decides too.
func isErrorObject(answer []byte) bool {
	var keys map[string]json.RawMessage
	if json.Unmarshal(answer, &keys) != nil {
		return false
	}
	for k := range keys {
		if k != "errorMessage" && k != "errorType" && k != "stackTrace" {
			return false
		}
	}
	return true
}

var (
	initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	report     = regexp.MustCompile(`REPORT RequestId: \S+\s+(?:Init Duration: [0-9.]+ ms\s+)?Duration: ([0-9.]+) ms`)
)

// initDuration returns the init and duration RIE reported for the function's
// first invocation, "" before it ended.
func initDuration(out string) string {
	i, r := initReport.FindStringSubmatch(out), report.FindStringSubmatch(out)
	if i == nil || r == nil {
		return ""
	}
	ms := func(s string) string {
		f, _ := strconv.ParseFloat(s, 64)
		return strconv.FormatFloat(f, 'f', 1, 64) + " ms"
	}
	return "init " + ms(i[1]) + ", first invocation " + ms(r[1])
}

// coldStart describes the function's cold start: RIE's report of the first
// invocation and, when the test sent it, its wall time from the test.
func (r *rie) coldStart() string {
	s := initDuration(r.out.String())
	if s == "" {
		return "never invoked"
	}
	if r.first > 0 {
		s += fmt.Sprintf(", %v from request to answer", r.first.Round(100*time.Microsecond))
	}
	return strings.TrimSpace(s)
}
