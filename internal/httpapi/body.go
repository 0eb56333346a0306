package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/ferrydev/ferry/internal/fault"
)

// How long a request body may take to arrive, from when the handler starts:
// enough for MaxBody at dial-up speed and for MaxReleaseBody at about 220 KB/s.
const (
	DefaultBodyTimeout        = 30 * time.Second
	DefaultReleaseBodyTimeout = 5 * time.Minute
)

// BodyTimeoutError is a request body that did not arrive in time: 408, and the
// connection is closed.
type BodyTimeoutError struct{ Timeout time.Duration }

func (e *BodyTimeoutError) Error() string {
	return fmt.Sprintf("the request body did not arrive within %v", e.Timeout)
}

// timedBody gives a request body a read deadline, timeout from when the handler
// starts; a read that times out returns *BodyTimeoutError. net/http lifts the
// deadline itself once the body is read to its end (its read past the body has
// none), so a handler still at work after it keeps its context. Where the
// ResponseWriter cannot set deadlines (the Lambda adapter, whose bodies are in
// memory already) the body is left as is.
func timedBody(w http.ResponseWriter, r *http.Request, timeout time.Duration) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return
	}
	r.Body = &deadlineBody{ReadCloser: r.Body, timeout: timeout}
}

// deadlineBody names the timeout in the error of a read that ran out of time.
type deadlineBody struct {
	io.ReadCloser
	timeout time.Duration
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = &BodyTimeoutError{Timeout: b.timeout}
	}
	return n, err
}

// readAll reads a body of at most limit bytes into one buffer of its size: a
// body that declares its length is read straight into a buffer of that length,
// so the handler holds the body once, not the several copies a growing buffer
// leaves behind. Errors: *http.MaxBytesError, *BodyTimeoutError, or invalid.
func readAll(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		// Refused before reading any of it.
		return nil, &http.MaxBytesError{Limit: limit}
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		// ReadFrom keeps MinRead bytes free to read into, and would double the
		// buffer for the read that finds the end.
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit)); err != nil {
		return nil, readError(err)
	}
	return buf.Bytes(), nil
}

// readError keeps the errors writeError answers with their own status (413,
// 408) and turns any other failure to read a body into invalid.
func readError(err error) error {
	if bodyError(err) {
		return err
	}
	return fault.Errorf(fault.Invalid, "reading the request body: %v", err)
}

// bodyError reports whether err is a body too large or too late.
func bodyError(err error) bool {
	var tooLarge *http.MaxBytesError
	var late *BodyTimeoutError
	return errors.As(err, &tooLarge) || errors.As(err, &late)
}
