package store

import "github.com/ferrydev/ferry/internal/fault"

// Page asks for one page of a list: at most Limit items (DefaultLimit when 0,
// MaxLimit at most) after the position Token names ("" for the first page). The
// token a list returns is opaque; "" means there is no next page.
type Page struct {
	Limit int
	Token string
}

// Page size limits.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Size returns the page size to use.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// BadTokenError is the answer to a page token the list did not give.
func BadTokenError(token string) error {
	return fault.Errorf(fault.Invalid, "page token %q is not one this list gave", token)
}
