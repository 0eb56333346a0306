package apiclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
)

// TestSigV4 checks a signed request as API Gateway would: the signature over the
// method, path, headers and body, recomputed from what arrived.
func TestSigV4(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	var got, want string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = r.Header.Get("Authorization")
		if !strings.Contains(got, "SignedHeaders=") {
			t.Errorf("not signed: %q", got)
			return
		}
		at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		if err != nil {
			t.Error(err)
		}
		again := r.Clone(context.Background())
		signed := strings.Split(strings.Split(strings.Split(got, "SignedHeaders=")[1], ",")[0], ";")
		for name := range again.Header {
			if !slices.Contains(signed, strings.ToLower(name)) {
				again.Header.Del(name) // as API Gateway, recompute over the headers signed
			}
		}
		again.URL.Scheme, again.URL.Host = "http", r.Host
		sum := sha256.Sum256(body)
		c, _ := creds.Retrieve(context.Background())
		if err := v4.NewSigner().SignHTTP(context.Background(), c, again, hex.EncodeToString(sum[:]), "execute-api", "eu-west-1", at); err != nil {
			t.Error(err)
		}
		want = again.Header.Get("Authorization")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"p1","state":"PLANNING"}`))
	}))
	defer srv.Close()
	c := New(srv.URL+"/ci", "")
	c.Sign = SigV4(aws.NewCredentialsCache(creds), "eu-west-1")
	p, err := c.Start(context.Background(), wire.StartRequest{Environment: "prod", Source: "staging"})
	if err != nil || p.ID != "p1" {
		t.Fatalf("Start = %+v, %v", p, err)
	}
	if !strings.HasPrefix(got, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(got, "/eu-west-1/execute-api/aws4_request") || got != want {
		t.Errorf("Authorization %q, recomputed %q", got, want)
	}
}

func TestServerErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer fy_token" {
			t.Errorf("Authorization %q", r.Header.Get("Authorization"))
		}
		switch r.URL.Path {
		case "/api/promotions/gone":
			w.WriteHeader(http.StatusGone)
			_, _ = w.Write([]byte(`{"error":{"code":"gone","message":"promotion gone expired at noon"}}`))
		default:
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`<html>bad gateway</html>`))
		}
	}))
	defer srv.Close()
	c := New(srv.URL, "fy_token")
	if _, err := c.Promotion(context.Background(), "gone"); fault.ErrorCode(err) != fault.Gone || fault.ErrorMessage(err) != "promotion gone expired at noon" {
		t.Errorf("gone: %v", err)
	}
	if _, err := c.Promotion(context.Background(), "other"); err == nil || !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Errorf("a proxy's error page: %v", err)
	}
}

// TestPutReleaseUploads: a release goes to the upload URL the server answers,
// with no credential of the client's (a path alone is on the server), and is
// then ingested by its upload id; a refused PUT says what the storage said.
func TestPutReleaseUploads(t *testing.T) {
	var put []byte
	var putAuth string
	refuse := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "POST /api/uploads":
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"upload_id":"up-1","url":"/store/up-1?sig=abc","method":"PUT","expires":"2026-11-01T10:00:00Z"}`)
		case "PUT /store/up-1":
			if refuse {
				http.Error(w, "the upload URL has expired", http.StatusForbidden)
				return
			}
			put, _ = io.ReadAll(r.Body)
			putAuth = r.Header.Get("Authorization") + r.URL.Query().Get("sig")
		case "POST /api/releases":
			body, _ := io.ReadAll(r.Body)
			if string(body) != `{"upload_id":"up-1"}` {
				t.Errorf("ingest body %s", body)
			}
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":"sha256:ab","checks":[],"node_count":1}`)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
		}
	}))
	defer srv.Close()
	c := New(srv.URL, "fy_secret")
	h, err := c.PutRelease(context.Background(), []byte(`{"nodes":[]}`))
	if err != nil || h.ID != "sha256:ab" || string(put) != `{"nodes":[]}` || putAuth != "abc" {
		t.Fatalf("header %+v, put %q with %q: %v", h, put, putAuth, err)
	}
	refuse = true
	if _, err := c.PutRelease(context.Background(), []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "403 Forbidden: the upload URL has expired") {
		t.Errorf("a refused PUT: %v", err)
	}
}

// TestWaitAsksConditionally has a server answer a promotion that stays
// AWAITING_APPROVAL for a few polls, then SUCCEEDED: Wait sends the ETag it has,
// takes the 304s as "unchanged", and returns the final view whole.
func TestWaitAsksConditionally(t *testing.T) {
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.Header.Get("If-None-Match"))
		state, tag := "AWAITING_APPROVAL", `W/"a"`
		if len(asked) > 3 {
			state, tag = "SUCCEEDED", `W/"b"`
		}
		if r.Header.Get("If-None-Match") == tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", tag)
		fmt.Fprintf(w, `{"promotion": {"id": "p1", "state": %q, "requested_by": "ci"}}`, state)
	}))
	defer srv.Close()
	v, err := New(srv.URL, "t").Wait(context.Background(), "p1", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if v.Promotion.State != "SUCCEEDED" || v.Promotion.RequestedBy != "ci" {
		t.Errorf("Wait returned %+v", v.Promotion)
	}
	if want := []string{"", `W/"a"`, `W/"a"`, `W/"a"`}; !slices.Equal(asked[:4], want) {
		t.Errorf("If-None-Match sent: %q, want %q then the final one", asked, want)
	}
}
