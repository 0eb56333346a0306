package local

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/fakeclock"
)

// TestListenerLimits: the listener bounds how long a request may take to arrive
// and how large its headers may be; headers beyond the bound are refused.
func TestListenerLimits(t *testing.T) {
	srv := newServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.IdleTimeout == 0 || srv.MaxHeaderBytes != 64<<10 {
		t.Errorf("server limits: %+v", srv)
	}
	s := boot(t, t.TempDir(), fakeclock.New(time.Now()), "")
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second)) // a guard against a server that never answers
	fmt.Fprintf(conn, "GET /api/me HTTP/1.1\r\nHost: ferry\r\nX-Padding: %s\r\n\r\n", strings.Repeat("x", 128<<10))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("headers of 128 KiB: status %d", resp.StatusCode)
	}
}
