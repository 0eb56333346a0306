package datadir

import (
	"fmt"
	"time"
)

// InUseError says another process holds the data directory.
type InUseError struct {
	// Dir is the directory as it was given to Open.
	Dir string
	// Holder is what the holder wrote in the lock file; zero when it has written
	// nothing yet or the text cannot be read.
	Holder Holder
}

func (e *InUseError) Error() string {
	h := e.Holder
	if h.PID == 0 {
		return fmt.Sprintf("the data directory %s is in use by another process", e.Dir)
	}
	on := ""
	if h.Host != "" && h.Host != hostname() {
		on = " on host " + h.Host
	}
	return fmt.Sprintf("the data directory %s is in use by process %d%s (started %s)", e.Dir, h.PID, on,
		h.Started.UTC().Format(time.RFC3339))
}

// MissingError says a file the data directory has used is missing or empty.
type MissingError struct {
	// What the file is, such as "store file".
	What string
	// Path is the file, in the directory as it was given to Open.
	Path string
	// Empty is true when the file is there but empty.
	Empty bool
}

func (e *MissingError) Error() string {
	state := "missing"
	if e.Empty {
		state = "empty"
	}
	return fmt.Sprintf("the %s %s is %s, but this data directory has used it (%s lists it)", e.What, e.Path, state,
		ManifestFile)
}
