package lambdaerr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// refused is an error with a pointer receiver, like the pipeline's step errors.
type refused struct{ msg string }

func (e *refused) Error() string { return e.msg }

// valueError is an error with a value receiver, returned as a value.
type valueError struct{ msg string }

func (e valueError) Error() string { return e.msg }

// code is an error that is not a struct.
type code int

func (c code) Error() string { return "code " + strconv.Itoa(int(c)) }

// cases are errors a handler may return, with the errorType Lambda reports.
var cases = []struct {
	name string
	err  error
	want string
}{
	{"pointer", &refused{msg: "no"}, "refused"},
	{"value", valueError{msg: "no"}, "valueError"},
	{"non-struct value", code(7), "code"},
	{"wrapped", fmt.Errorf("planning: %w", &refused{msg: "no"}), "wrapError"},
	{"errors.New", errors.New("plain"), "errorString"},
	{"joined", errors.Join(&refused{msg: "a"}, valueError{msg: "b"}), "joinError"},
}

func TestName(t *testing.T) {
	for _, tt := range cases {
		if got := Name(tt.err); got != tt.want {
			t.Errorf("Name(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := Name(nil); got != "" {
		t.Errorf("Name(nil) = %q", got)
	}
}

// TestNameIsTheRuntimes runs aws-lambda-go's own invoke loop (lambda.Start)
// against a fake Lambda Runtime API and checks that, for every case, the errorType
// the runtime posts is Name's.
//
// lambda.Start never returns and exits the process if the Runtime API goes away,
// so the fake server is left open and, once the cases are done, holds the
// runtime's next poll until the test binary exits.
func TestNameIsTheRuntimes(t *testing.T) {
	type report struct{ id, errorType string }
	next := make(chan string)
	reported := make(chan report)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, _ *http.Request) {
		id := <-next
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", id)
		w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
		json.NewEncoder(w).Encode(id)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			ErrorType string `json:"errorType"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		w.WriteHeader(http.StatusAccepted)
		reported <- report{id: r.PathValue("id"), errorType: body.ErrorType}
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		reported <- report{id: r.PathValue("id")}
	})
	srv := httptest.NewServer(mux)
	t.Setenv("AWS_LAMBDA_RUNTIME_API", strings.TrimPrefix(srv.URL, "http://"))
	go lambda.Start(func(_ context.Context, id string) (struct{}, error) {
		i, _ := strconv.Atoi(id)
		return struct{}{}, cases[i].err
	})

	timeout := time.After(10 * time.Second)
	for i, tt := range cases {
		select {
		case next <- strconv.Itoa(i):
		case <-timeout:
			t.Fatal("the runtime did not poll for an invocation")
		}
		var got report
		select {
		case got = <-reported:
		case <-timeout:
			t.Fatalf("the runtime did not report on %s", tt.name)
		}
		if got.id != strconv.Itoa(i) || got.errorType != Name(tt.err) {
			t.Errorf("%s: the runtime reported %+v, Name says %q", tt.name, got, Name(tt.err))
		}
	}
}
