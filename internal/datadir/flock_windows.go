package datadir

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// tryLock locks f exclusively without waiting: false when another handle holds
// it. The lock covers one byte at the largest offset, as bbolt does, so that the
// holder's text stays readable.
func tryLock(f *os.File) (bool, error) {
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY,
		0, 1, 0, &windows.Overlapped{Offset: ^uint32(0), OffsetHigh: ^uint32(0)})
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return false, nil
	}
	return err == nil, err
}
