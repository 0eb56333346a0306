package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/httpapi/wire"
)

// put PUTs body to an upload URL as any HTTP client would, with no credential.
func put(t *testing.T, u string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

// TestUploadFlow: a release PUT to the presigned URL POST /api/uploads answers
// is ingested by POST /api/releases {"upload_id"}, once.
func TestUploadFlow(t *testing.T) {
	a := newAPI(t)
	var u wire.UploadView
	a.expect(http.StatusCreated, "POST", "/api/uploads", "ci", nil, &u)
	if !strings.HasPrefix(u.URL, a.s.URL+"/uploads/"+u.UploadID+"?") || u.Method != "PUT" || !u.Expires.Equal(a.clock.Now().Add(15*time.Minute)) {
		t.Fatalf("upload %+v", u)
	}
	if code, msg := put(t, u.URL, []byte(`{"name":"up","nodes":[{"name":"orders","kind":"model"}]}`)); code != http.StatusOK {
		t.Fatalf("PUT: %d %s", code, msg)
	}
	var h wire.ReleaseHeader
	a.expect(http.StatusCreated, "POST", "/api/releases", "ci", wire.IngestRequest{UploadID: u.UploadID}, &h)
	if h.Name != "up" || h.NodeCount != 1 || !strings.HasPrefix(h.ID, "sha256:") {
		t.Errorf("header %+v", h)
	}
	a.expectError(404, "not_found", "POST", "/api/releases", "ci", wire.IngestRequest{UploadID: u.UploadID}, "nothing was uploaded")
	a.expectError(400, "invalid", "POST", "/api/releases", "ci", wire.IngestRequest{UploadID: "../ferry.db"}, "not an upload id")
	a.expectError(401, "unauthorized", "POST", "/api/uploads", "", nil)

	// What was uploaded is checked like a release in a body.
	a.expect(http.StatusCreated, "POST", "/api/uploads", "ci", nil, &u)
	put(t, u.URL, []byte(`{"nodes":[{"name":"orders"}]}`))
	a.expectError(400, "invalid", "POST", "/api/releases", "ci", wire.IngestRequest{UploadID: u.UploadID}, "kind")
}

// TestUploadURLRefused: an upload URL that has expired, or whose path, expiry
// or signature was changed, takes nothing, and only PUT.
func TestUploadURLRefused(t *testing.T) {
	a := newAPI(t)
	var u, other wire.UploadView
	a.expect(http.StatusCreated, "POST", "/api/uploads", "ci", nil, &u)
	a.expect(http.StatusCreated, "POST", "/api/uploads", "ci", nil, &other)
	parsed, err := url.Parse(u.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	sig := q.Get("sig")
	flipped := map[byte]byte{'0': '1'}[sig[0]]
	if flipped == 0 {
		flipped = '0'
	}
	later := u.Expires.Add(time.Hour).Unix()
	tampered := map[string]string{
		"signature":    strings.Replace(u.URL, "sig="+sig, "sig="+string(flipped)+sig[1:], 1),
		"no signature": a.s.URL + parsed.Path + "?expires=" + q.Get("expires"),
		"expiry":       strings.Replace(u.URL, "expires="+q.Get("expires"), fmt.Sprintf("expires=%d", later), 1),
		"other id":     strings.Replace(u.URL, u.UploadID, strings.TrimPrefix(strings.Split(other.URL, "?")[0], a.s.URL+"/uploads/"), 1),
	}
	for name, bad := range tampered {
		if code, msg := put(t, bad, []byte(`{}`)); code != http.StatusForbidden || !strings.Contains(msg, "signature does not match") {
			t.Errorf("%s: %d %s", name, code, msg)
		}
	}
	resp, err := http.Post(u.URL, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to an upload URL: %d", resp.StatusCode)
	}
	a.clock.Add(15 * time.Minute)
	if code, msg := put(t, u.URL, []byte(`{}`)); code != http.StatusForbidden || !strings.Contains(msg, "expired") {
		t.Errorf("expired: %d %s", code, msg)
	}
	a.expectError(404, "not_found", "POST", "/api/releases", "ci", wire.IngestRequest{UploadID: u.UploadID}, "nothing was uploaded")
}
