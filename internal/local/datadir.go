package local

import (
	"errors"
	"fmt"

	"github.com/ferrydev/ferry/internal/boltfile"
	"github.com/ferrydev/ferry/internal/boltstore"
	"github.com/ferrydev/ferry/internal/datadir"
	"github.com/ferrydev/ferry/internal/sfnemu/boltjournal"
	"github.com/ferrydev/ferry/internal/store"
)

// OpenDataDir opens and locks the data directory at path, for a caller that
// needs it before Start (Config.Data). Another process holding it is an error
// that names the process and says what to do.
func OpenDataDir(path string) (*datadir.Dir, error) {
	d, err := datadir.Open(path)
	if err != nil {
		return nil, advise(err)
	}
	return d, nil
}

// openEmbedded opens the embedded store in dir, refusing a store file the
// directory has used that is gone or empty.
func openEmbedded(dir *datadir.Dir) (store.Store, error) {
	if err := dir.Expect(boltstore.FileName, boltstore.What); err != nil {
		return nil, advise(err)
	}
	s, err := boltstore.Open(dir.Path)
	if err != nil {
		return nil, advise(err)
	}
	return s, nil
}

// openJournal opens the emulator's journal in dir, refusing a journal file the
// directory has used that is gone or empty.
func openJournal(dir *datadir.Dir) (*boltjournal.Journal, error) {
	if err := dir.Expect(boltjournal.File, boltjournal.What); err != nil {
		return nil, advise(err)
	}
	j, err := boltjournal.Open(dir.Path)
	if err != nil {
		return nil, advise(err)
	}
	return j, nil
}

// advise adds to an error about the data directory what the person running
// ferry local can do about it.
func advise(err error) error {
	var (
		damaged *boltfile.DamagedError
		missing *datadir.MissingError
		inUse   *datadir.InUseError
	)
	switch {
	case errors.As(err, &damaged), errors.As(err, &missing):
		return fmt.Errorf("%w: restore it from a backup, or start with a new data directory (--data DIR)", err)
	case errors.As(err, &inUse):
		return fmt.Errorf("%w: stop it or choose another --data", err)
	}
	return err
}
