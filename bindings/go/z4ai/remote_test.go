package z4ai

// A container served over real HTTP (net/http on 127.0.0.1, Range requests through
// http.ServeContent) and read through OpenContainerReaderAt with an HTTP range reader:
// the bytes equal a local reader's, opening costs the head and tail reads, one tensor
// one ranged GET of its frame.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// httpReaderAt is an io.ReaderAt over Range GETs (what a user writes for S3/HTTP).
type httpReaderAt struct {
	url      string
	requests *int64
}

func (h httpReaderAt) ReadAt(p []byte, off int64) (int, error) {
	req, err := http.NewRequest("GET", h.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+int64(len(p))-1))
	atomic.AddInt64(h.requests, 1)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent {
		return 0, fmt.Errorf("%s: HTTP %d for a Range request", h.url, resp.StatusCode)
	}
	want := fmt.Sprintf("bytes %d-%d/", off, off+int64(len(p))-1)
	if !strings.HasPrefix(resp.Header.Get("Content-Range"), want) {
		return 0, fmt.Errorf("%s: Content-Range %q, asked for %s", h.url, resp.Header.Get("Content-Range"), want)
	}
	return io.ReadFull(resp.Body, p)
}

func TestContainerOverHTTP(t *testing.T) {
	var ts []stTensor
	for i := 0; i < 150; i++ { // an index bigger than the first 8 KiB tail: one more read to open
		data := make([]byte, 256)
		for j := range data {
			data[j] = byte((i*7 + j*j) % 251)
		}
		ts = append(ts, stTensor{fmt.Sprintf("layers.%03d.weight", i), "U8", []int64{16, 16}, data})
	}
	st := safetensorsFile(ts)
	zstn, err := CompressSafetensors(st)
	if err != nil {
		t.Fatal(err)
	}
	var failing int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if atomic.LoadInt32(&failing) != 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		http.ServeContent(w, r, "model.zstn", time.Unix(0, 0), bytes.NewReader(zstn))
	}))
	defer srv.Close()
	var requests int64
	c, err := OpenContainerReaderAt(httpReaderAt{srv.URL + "/model.zstn", &requests}, int64(len(zstn)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if requests < 2 || requests > 3 {
		t.Fatalf("opening took %d requests (want 2 or 3)", requests)
	}
	local, err := OpenContainer(zstn)
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	for _, i := range []int{0, 77, 149} {
		atomic.StoreInt64(&requests, 0)
		got, err := c.ReadTensor(i)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := local.ReadTensor(i)
		if !bytes.Equal(got, want) || !bytes.Equal(got, ts[i].data) {
			t.Fatalf("tensor %d differs over HTTP", i)
		}
		if requests != 1 {
			t.Fatalf("tensor %d took %d requests (want 1)", i, requests)
		}
	}
	// A server that fails: the error names the range and nothing is decoded.
	atomic.StoreInt32(&failing, 1)
	if _, err := c.ReadTensor(5); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("a 503 gave %v", err)
	}
}
