package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSend(t *testing.T) {
	var got Message
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&got) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if strings.Contains(got.Text, "fail") {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	n := New()
	if err := n.Send(context.Background(), srv.URL, Message{Text: "prod: approval requested"}); err != nil || got.Text != "prod: approval requested" {
		t.Errorf("Send: %v, received %+v", err, got)
	}
	if err := n.Send(context.Background(), srv.URL, Message{Text: "fail"}); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("a 500 answer: %v", err)
	}
	if err := n.Send(context.Background(), "http://127.0.0.1:1/services/T1/secret", Message{Text: "x"}); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("an unreachable webhook: %v (must fail, naming only the host)", err)
	}
	if err := n.Send(context.Background(), "::/services/T1/secret", Message{Text: "x"}); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("a webhook URL that does not parse: %v (must fail without repeating it)", err)
	}
}

func TestOutcome(t *testing.T) {
	got := Outcome("promotion a/b to <prod> cancelled by ana & bo", "https://ferry.example/", "a/b").Text
	want := "Ferry: promotion a/b to &lt;prod&gt; cancelled by ana &amp; bo. <https://ferry.example/#/promotions/a%2Fb|Details>"
	if got != want {
		t.Errorf("Outcome = %q, want %q", got, want)
	}
}

// TestSendToSecretReference: a webhook given as a secret reference is resolved
// to its URL when sent to, and one that cannot be resolved fails without
// repeating the reference.
func TestSendToSecretReference(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/services/T1/secret" {
			calls++
		}
	}))
	defer srv.Close()
	t.Setenv("FERRY_TEST_WEBHOOK", srv.URL+"/services/T1/secret")
	n := New()
	if err := n.Send(context.Background(), "env:FERRY_TEST_WEBHOOK", Message{Text: "x"}); err != nil || calls != 1 {
		t.Errorf("env: reference: %v, %d calls", err, calls)
	}
	err := n.Send(context.Background(), "ssm:/ferry/secret-webhook", Message{Text: "x"})
	if err == nil || strings.Contains(err.Error(), "secret-webhook") || !strings.Contains(err.Error(), "in AWS only") {
		t.Errorf("ssm: reference without AWS: %v", err)
	}
	n.Resolve = func(_ context.Context, ref string) ([]byte, error) {
		if ref != "ssm:/ferry/secret-webhook" {
			t.Errorf("resolving %q", ref)
		}
		return []byte(srv.URL + "/services/T1/secret\n"), nil
	}
	if err := n.Send(context.Background(), "ssm:/ferry/secret-webhook", Message{Text: "x"}); err != nil || calls != 2 {
		t.Errorf("ssm: reference: %v, %d calls", err, calls)
	}
}
