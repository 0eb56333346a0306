package boltstore

import (
	"testing"

	"github.com/ferrydev/ferry/internal/store"
	"github.com/ferrydev/ferry/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(tb testing.TB) store.Store {
		s, err := Open(tb.TempDir())
		if err != nil {
			tb.Fatal(err)
		}
		return s
	})
}
