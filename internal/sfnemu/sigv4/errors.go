package sigv4

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Error is a refusal, as the AWS service would answer it.
type Error struct {
	// Code is the AWS error code, such as InvalidSignatureException.
	Code string
	// Status is the HTTP status.
	Status int
	// Message is AWS's message for it.
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func incomplete(format string, args ...any) *Error {
	return &Error{Code: "IncompleteSignature", Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) *Error {
	return &Error{Code: "InvalidSignatureException", Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// Handler serves next only the requests Verify accepts, and answers the others
// with the error in the AWS JSON 1.0 shape.
func (v *Verifier) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := v.Verify(r); err != nil {
			writeError(w, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Code: "InternalFailure", Status: http.StatusInternalServerError, Message: "internal error"}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "message": e.Message})
}
