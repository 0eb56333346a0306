package httpapi_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/httpapi"
	"github.com/ferrydev/ferry/internal/identity"
)

// TestSlowBody: a client that sends its headers and then trickles its body, more
// slowly than the body timeout allows, gets 408 and a closed connection, on the
// routes that decode JSON and on the release upload alike; the handlers end (the
// test server's Close waits for them).
func TestSlowBody(t *testing.T) {
	a := newAPI(t)
	tokens, err := identity.NewTokens(identity.Config{Users: []identity.User{{Name: "ci", Token: a.tokens["ci"]}}})
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 200 * time.Millisecond
	srv := httptest.NewServer((&httpapi.Server{Control: a.s.Control, Auth: tokens, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		BodyTimeout: timeout, ReleaseBodyTimeout: timeout}).Handler())
	for _, path := range []string{"/api/promotions", "/api/releases"} {
		t.Run(path, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// A guard against a server that never answers, far beyond the timeout.
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: ferry\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", path, a.tokens["ci"])
			stop := make(chan struct{})
			defer close(stop)
			go func() { // one byte per timeout: the body would take 1000 of them
				for {
					select {
					case <-stop:
						return
					case <-time.After(timeout):
						if _, err := conn.Write([]byte(" ")); err != nil {
							return
						}
					}
				}
			}()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "did not arrive within 200ms") || !resp.Close {
				t.Errorf("status %d, close %v: %s", resp.StatusCode, resp.Close, body)
			}
		})
	}
	srv.Close()
}
