package boltstore

import (
	"testing"

	"github.com/ferrydev/ferry/internal/store/storetest"
)

// BenchmarkPromotion: the store operations of one typical promotion.
func BenchmarkPromotion(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkPromotion(b, s)
}
