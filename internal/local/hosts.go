package local

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
)

// hostGuard serves next only the requests whose Host names this listener: a
// loopback name or address, or the host of the address it was told to listen on
// (with an unspecified address such as 0.0.0.0, also this machine's addresses and
// host name). A page on another site cannot then use a DNS name it controls, made
// to resolve to 127.0.0.1, to reach the listener from a browser (DNS rebinding):
// the browser sends that name as Host. It guards every route, the Step Functions
// API, the HTTP API and the page alike. Others get 421 Misdirected Request: this
// server does not answer for that name.
type hostGuard struct {
	names    map[string]bool // lower-case host names and addresses, without port
	anyLocal bool            // also this machine's interface addresses
}

func newHostGuard(addr string) hostGuard {
	g := hostGuard{names: map[string]bool{"localhost": true}}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	host = normalHost(host)
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		g.anyLocal = true
		if name, err := os.Hostname(); err == nil {
			g.names[normalHost(name)] = true
		}
	} else {
		g.names[host] = true
	}
	return g
}

// normalHost lower-cases a host and drops IPv6 brackets and a trailing dot.
func normalHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}

// allows reports whether a request's Host (with or without port) names this
// listener.
func (g hostGuard) allows(hostHeader string) bool {
	host, _, err := net.SplitHostPort(hostHeader)
	if err != nil {
		host = hostHeader
	}
	host = normalHost(host)
	if g.names[host] {
		return true
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return false
	case ip.IsLoopback():
		return true
	case g.anyLocal:
		return isLocalAddress(ip)
	}
	return false
}

// isLocalAddress reports whether ip is one of this machine's interface addresses.
func isLocalAddress(ip net.IP) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

func (g hostGuard) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.allows(r.Host) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusMisdirectedRequest)
			fmt.Fprintf(w, "ferry local does not answer for host %q: use localhost, a loopback address or the address it listens on\n", r.Host)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackOnly reports whether addr (host:port) listens on loopback only: a
// loopback address, or a name all of whose addresses are loopback. An empty or
// unspecified host (all interfaces) is not.
func loopbackOnly(ctx context.Context, addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("the address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback(), nil
	}
	if host == "" {
		return false, nil
	}
	if normalHost(host) == "localhost" {
		return true, nil
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return false, fmt.Errorf("resolving %q to listen on: %w", host, err)
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return false, nil
		}
	}
	return len(ips) > 0, nil
}
