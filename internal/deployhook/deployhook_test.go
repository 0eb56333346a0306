package deployhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func client() *Client {
	c := New()
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	return c
}

// TestSignatureVerifiesIndependently checks the signature the way a receiver
// would, with its own HMAC computation.
func TestSignatureVerifiesIndependently(t *testing.T) {
	secret := []byte("s3cret")
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(r.Header.Get("X-Ferry-Signature")), []byte(want)) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got.Store(r.Header.Get("Idempotency-Key") + " " + r.Header.Get("Content-Type") + " " + string(body))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	body := []byte(`{"promotion_id":"p1","environment":"prod"}`)
	if err := client().Post(context.Background(), srv.URL, secret, body, "p1"); err != nil {
		t.Fatal(err)
	}
	if got.Load() != `p1 application/json {"promotion_id":"p1","environment":"prod"}` {
		t.Errorf("hook received %v", got.Load())
	}
	if err := client().Post(context.Background(), srv.URL, []byte("wrong"), body, "p1"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a wrong secret: %v", err)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		wantErr  string
		calls    int32
	}{
		{"5xx then ok", []int{500, 503, 200}, "", 3},
		{"5xx every time", []int{500, 500, 500, 500}, "answered 500", 3},
		{"4xx is final", []int{400, 200}, "answered 400", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				w.WriteHeader(tt.statuses[n-1])
				w.Write([]byte("boom"))
			}))
			defer srv.Close()
			err := client().Post(context.Background(), srv.URL, []byte("k"), []byte("{}"), "p1")
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want %q", err, tt.wantErr)
			}
			if calls.Load() != tt.calls {
				t.Errorf("%d calls, want %d", calls.Load(), tt.calls)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
	}))
	defer srv.Close()
	c := client()
	c.Timeout, c.Attempts = 20*time.Millisecond, 2
	if err := c.Post(context.Background(), srv.URL, []byte("k"), []byte("{}"), "p1"); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("error %v, want a timeout", err)
	}
}

// TestErrorsKeepSecrets checks that no error repeats a hook's path or query:
// they end up where everyone reads them.
func TestErrorsKeepSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	const secret = "s3cr3t-path"
	for name, url := range map[string]string{
		"an answer":     srv.URL + "/hooks/" + secret + "?token=" + secret,
		"no connection": closed.URL + "/hooks/" + secret,
		"no URL":        "::/" + secret,
	} {
		c := client()
		c.Attempts = 1
		err := c.Post(context.Background(), url, []byte("k"), []byte("{}"), "p1")
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error %v, want one without the hook's path", name, err)
		}
	}
}
