package local

import (
	"net/http"
	"time"
)

// Limits of the listener, for every route. The API gives each request body its
// own, shorter or longer, deadline (httpapi.Server's BodyTimeout and
// ReleaseBodyTimeout); ReadTimeout bounds the rest: the Step Functions API's
// requests and bodies sent where none is read.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// newServer returns the listener's server for handler, with the limits above.
func newServer(handler http.Handler) *http.Server {
	return &http.Server{Handler: handler, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes}
}
