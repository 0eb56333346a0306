package smoke

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/policy"
)

func runner() (*Runner, *[]time.Duration) {
	var slept []time.Duration
	r := &Runner{Client: &http.Client{}, Now: time.Now, Sleep: func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}}
	return r, &slept
}

func TestChecks(t *testing.T) {
	var flaky atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.URL.Path {
		case "/health":
			w.Write([]byte(`{"status":"ok","version":"v1.4.0"}`))
		case "/created":
			if req.Method != http.MethodPost {
				w.WriteHeader(http.StatusMethodNotAllowed)
				return
			}
			w.WriteHeader(http.StatusCreated)
		case "/flaky":
			if flaky.Add(1) < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte("ok"))
		case "/slow":
			time.Sleep(200 * time.Millisecond)
		case "/big":
			w.Write([]byte(strings.Repeat("x", 5000)))
		default:
			http.NotFound(w, req)
		}
	}))
	defer srv.Close()
	tests := []struct {
		name     string
		check    policy.SmokeCheck
		passed   bool
		status   int
		attempts int
		err      string
	}{
		{"ok with body", policy.SmokeCheck{Name: "h", URL: srv.URL + "/health", BodyContains: `"status":"ok"`}, true, 200, 1, ""},
		{"body mismatch", policy.SmokeCheck{Name: "h", URL: srv.URL + "/health", BodyContains: "v9"}, false, 200, 1, `does not contain "v9"`},
		{"method and status", policy.SmokeCheck{Name: "c", Method: "POST", URL: srv.URL + "/created", ExpectStatus: 201}, true, 201, 1, ""},
		{"wrong status", policy.SmokeCheck{Name: "n", URL: srv.URL + "/missing"}, false, 404, 1, "status 404, want 200"},
		{"retried until it passes", policy.SmokeCheck{Name: "f", URL: srv.URL + "/flaky", Retries: 3, RetryDelay: policy.Duration(time.Second)}, true, 200, 3, ""},
		{"retries run out", policy.SmokeCheck{Name: "n", URL: srv.URL + "/missing", Retries: 2}, false, 404, 3, "status 404"},
		{"timeout", policy.SmokeCheck{Name: "s", URL: srv.URL + "/slow", Timeout: policy.Duration(20 * time.Millisecond)}, false, 0, 1, "deadline exceeded"},
		{"connection refused", policy.SmokeCheck{Name: "r", URL: "http://127.0.0.1:1/"}, false, 0, 1, "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, slept := runner()
			res := r.Run(context.Background(), []policy.SmokeCheck{tt.check})[0]
			if res.Passed != tt.passed || res.Status != tt.status || res.Attempts != tt.attempts || !strings.Contains(res.Error, tt.err) {
				t.Errorf("result %+v", res)
			}
			if res.Check != tt.check.Name || res.URL != tt.check.URL || res.At.IsZero() {
				t.Errorf("result names %q (%s) at %v", res.Check, res.URL, res.At)
			}
			if want := tt.attempts - 1; len(*slept) != want {
				t.Errorf("slept %d times, want %d", len(*slept), want)
			}
		})
	}
	r, _ := runner()
	big := r.Run(context.Background(), []policy.SmokeCheck{{Name: "b", URL: srv.URL + "/big"}})[0]
	if len(big.Excerpt) != ExcerptLength {
		t.Errorf("excerpt of %d bytes", len(big.Excerpt))
	}
	if Passed(r.Run(context.Background(), []policy.SmokeCheck{{Name: "a", URL: srv.URL + "/health"}, {Name: "b", URL: srv.URL + "/missing"}})) {
		t.Error("Passed with one failing check")
	}
	if !Passed(nil) {
		t.Error("no checks must pass")
	}
}
