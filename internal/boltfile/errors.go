package boltfile

import "fmt"

// DamagedError says a bbolt file cannot be used as it is.
type DamagedError struct {
	// What the file is, such as "store file".
	What string
	// Path is the file as it was given to Open.
	Path string
	// Reason says what is wrong, in a few words.
	Reason string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("the %s %s is damaged (%s)", e.What, e.Path, e.Reason)
}
