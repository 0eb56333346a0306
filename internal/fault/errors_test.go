package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    string
		message string
	}{
		{"nil", nil, "", ""},
		{"domain error", Errorf(NotFound, "environment %q not found", "prod"), NotFound, `environment "prod" not found`},
		{"wrapped", fmt.Errorf("loading: %w", Errorf(Conflict, "plan stale")), Conflict, "plan stale"},
		{"other error hides its text", errors.New("dial tcp: refused"), Internal, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := ErrorMessage(tt.err); got != tt.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.message)
			}
		})
	}
}
