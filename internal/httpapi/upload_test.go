package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/ferrydev/ferry/internal/synth"
)

// releaseBody is the JSON of a synthetic release of about n nodes; nothing else of
// the release it was made from stays reachable.
func releaseBody(t *testing.T, n int) []byte {
	t.Helper()
	base, _ := synth.Pair(n, 1)
	data, err := json.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// heapPeak runs f with the collector running after every 1% of heap growth, so
// that the heap stays close to what is reachable, and samples the heap as f runs.
// It returns the highest heap seen above the heap before f, and the bytes f
// allocated in all.
func heapPeak(f func()) (peak, allocated uint64) {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	runtime.GC()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	stop, highest := make(chan struct{}), make(chan uint64)
	go func() {
		top := before.HeapAlloc
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapAlloc)
			select {
			case <-stop:
				highest <- top
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	f()
	runtime.ReadMemStats(&after)
	close(stop)
	return max(<-highest, after.HeapAlloc) - before.HeapAlloc, after.TotalAlloc - before.TotalAlloc
}

// TestUploadMemory uploads a release of about 20 MB through the API and bounds
// the memory the server holds for it, reading, parsing and storing it: at most 3
// times the body (about 2.5 in practice: the parsed release, its canonical JSON
// and that JSON compressed, once the body is dropped).
func TestUploadMemory(t *testing.T) {
	a := newAPI(t)
	data := releaseBody(t, 27_000)
	size := uint64(len(data))
	if size < 19<<20 {
		t.Fatalf("the release is only %d bytes", size)
	}
	var code int
	peak, allocated := heapPeak(func() {
		req, err := http.NewRequest("POST", a.s.URL+"/api/releases", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+a.tokens["ci"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		code = resp.StatusCode
	})
	if code != http.StatusCreated {
		t.Fatalf("upload: status %d", code)
	}
	t.Logf("a %.1f MB release held at most %.2f times its size (%.1f MB); %.2f times its size allocated in all",
		float64(size)/1e6, float64(peak)/float64(size), float64(peak)/1e6, float64(allocated)/float64(size))
	if peak > 3*size {
		t.Errorf("the upload held %d bytes, more than 3 times the body's %d", peak, size)
	}
}
