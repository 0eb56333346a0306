package lambdaenv

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeSSM answers GetParameter on 127.0.0.1 from params, in the protocol the SDK
// speaks, and counts the calls; the functions' SSM client is pointed at it.
func fakeSSM(t *testing.T, params map[string]string) *int {
	t.Helper()
	calls := new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*calls++
		var in struct{ Name string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		v, ok := params[in.Name]
		if !ok || r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameter" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"ParameterNotFound","message":"not found"}`))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]string{"Name": in.Name, "Value": v}})
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	return calls
}

// TestPageURL: PAGE_URL wins; without it the function reads the parameter
// PAGE_URL_PARAMETER names; a parameter it cannot read leaves links relative
// and is logged.
func TestPageURL(t *testing.T) {
	calls := fakeSSM(t, map[string]string{"/ferry/page-url": "https://abc.execute-api.us-east-1.amazonaws.com/"})
	awsCfg, err := loadAWS(context.Background(), stepRetries())
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	for _, tt := range []struct {
		cfg   Config
		want  string
		calls int
	}{
		{Config{PageURL: "https://ferry.example/", PageURLParameter: "/ferry/page-url"}, "https://ferry.example/", 0},
		{Config{}, "", 0},
		{Config{PageURLParameter: "/ferry/page-url"}, "https://abc.execute-api.us-east-1.amazonaws.com/", 1},
		{Config{PageURLParameter: "/ferry/missing"}, "", 2},
	} {
		if got := pageURL(context.Background(), awsCfg, tt.cfg, log); got != tt.want || *calls != tt.calls {
			t.Errorf("pageURL(%+v) = %q after %d calls, want %q after %d", tt.cfg, got, *calls, tt.want, tt.calls)
		}
	}
	if !strings.Contains(logged.String(), "/ferry/missing") {
		t.Errorf("the unreadable parameter was not logged: %s", logged.String())
	}
}

// TestPipelineResolvesSSMSecrets: the steps' pipeline resolves a deploy hook's
// ssm: secret reference through SSM and a webhook's too.
func TestPipelineResolvesSSMSecrets(t *testing.T) {
	fakeSSM(t, map[string]string{"/ferry/hook": "s3cret", "/ferry/slack-url": "http://127.0.0.1:1/hook"})
	awsCfg, err := loadAWS(context.Background(), stepRetries())
	if err != nil {
		t.Fatal(err)
	}
	pl := newPipeline(context.Background(), awsCfg, Config{Table: "ferry"}, slog.New(slog.DiscardHandler))
	if got, err := pl.Secret(context.Background(), "ssm:/ferry/hook"); err != nil || string(got) != "s3cret" {
		t.Errorf("Secret = %q, %v", got, err)
	}
	if got, err := notifier(awsCfg).Resolve(context.Background(), "ssm:/ferry/slack-url"); err != nil || string(got) != "http://127.0.0.1:1/hook" {
		t.Errorf("the notifier resolves %q, %v", got, err)
	}
}
