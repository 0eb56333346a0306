package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ferrydev/ferry/internal/httpapi"
)

// TestBoundsRefused: a request beyond a documented bound is refused with an error
// that names the bound, whether the body declares its length or not.
func TestBoundsRefused(t *testing.T) {
	a := newAPI(t)
	var nodes bytes.Buffer
	nodes.WriteString(`{"nodes":[`)
	for i := range httpapi.MaxReleaseNodes + 1 {
		if i > 0 {
			nodes.WriteByte(',')
		}
		fmt.Fprintf(&nodes, `{"name":"n%06d","kind":"model"}`, i)
	}
	nodes.WriteString(`]}`)
	a.expectError(400, "invalid", "POST", "/api/releases", "ci", nodes.String(), "100001 nodes", "limit of 100000 nodes")

	big := strings.Repeat(" ", httpapi.MaxReleaseBody+1)
	a.expectError(413, "invalid", "POST", "/api/releases", "ci", big, "larger than 67108864 bytes (64 MiB)")
	a.expectError(413, "invalid", "POST", "/api/promotions", "ci", strings.Repeat(" ", httpapi.MaxBody+1), "larger than 1048576 bytes (1 MiB)")

	// Without a declared length (a reader of unknown size goes chunked), the
	// limit is found while reading.
	req, err := http.NewRequest("POST", a.s.URL+"/api/releases", io.MultiReader(strings.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.tokens["ci"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "larger than 67108864 bytes (64 MiB)") {
		t.Errorf("chunked: status %d: %s", resp.StatusCode, body)
	}
}
