package release_test

import (
	"encoding/json"
	"testing"

	"github.com/ferrydev/ferry/internal/release"
	"github.com/ferrydev/ferry/internal/synth"
)

// BenchmarkParseJSON reads and validates a 100,000-node release (package synth).
func BenchmarkParseJSON(b *testing.B) {
	base, _ := synth.Pair(100_000, 1)
	data, err := json.Marshal(base)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := release.ParseJSON("base.json", data); err != nil {
			b.Fatal(err)
		}
	}
}
