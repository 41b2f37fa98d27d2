package z4ai

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func weights(n int, seed int64) []byte {
	r := rand.New(rand.NewSource(seed))
	b := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(r.NormFloat64()*0.02)))
	}
	return b
}

func wantStatus(t *testing.T, err error, names ...string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want one of %v, got %v", names, err)
	}
	for _, n := range names {
		if e.Name == n && e.Status < 0 && Status_name(e.Status) == n {
			return
		}
	}
	t.Fatalf("want one of %v, got %v", names, e)
}

func TestRoundTripAndInfo(t *testing.T) {
	w := weights(250000, 1)
	orig := append([]byte(nil), w...)
	c, err := NewCompressor()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDtype("fp32"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetShape(500, 500); err != nil {
		t.Fatal(err)
	}
	frame, err := c.Compress(w)
	if err != nil || len(frame) >= len(w) || !bytes.Equal(w, orig) {
		t.Fatalf("compress: %v %d", err, len(frame))
	}
	back, err := Decompress(frame)
	if err != nil || !bytes.Equal(back, w) {
		t.Fatalf("decompress: %v", err)
	}
	fi, err := Info(frame)
	if err != nil || fi.DtypeName != "fp32" || fi.ContentSize != int64(len(w)) || fi.CompressedSize != int64(len(frame)) ||
		len(fi.Shape) != 2 || fi.Shape[0] != 500 {
		t.Fatalf("info %+v %v", fi, err)
	}
	if s, err := Describe(frame); err != nil || !strings.HasPrefix(s, "{") {
		t.Fatalf("describe: %v", err)
	}
	d, _ := NewDecompressor()
	defer d.Close()
	part, err := d.DecompressRange(frame, 4000, 1000)
	if err != nil || !bytes.Equal(part, w[4000:5000]) {
		t.Fatalf("range: %v", err)
	}
	if err := c.SetParam(Z4AI_C_EFFORT, EffortMax); err != nil {
		t.Fatal(err)
	}
	if f, err := c.Compress(w); err != nil {
		t.Fatal(err)
	} else if b, err := Decompress(f); err != nil || !bytes.Equal(b, w) {
		t.Fatal("max effort round trip", err)
	}
}

func TestErrors(t *testing.T) {
	w := weights(100000, 2)
	frame, err := Compress(w, "fp32")
	if err != nil {
		t.Fatal(err)
	}
	_, err = DtypeCode("no-such-type")
	wantStatus(t, err, "Z4AI_E_DTYPE_UNKNOWN")
	bad := append([]byte(nil), frame...)
	bad[len(bad)/2] ^= 0x40
	_, err = Decompress(bad)
	wantStatus(t, err, "Z4AI_E_CHECKSUM", "Z4AI_E_CORRUPT")
	_, err = Decompress(frame[:len(frame)/2])
	wantStatus(t, err, "Z4AI_E_TRUNCATED", "Z4AI_E_CORRUPT")
	_, err = Decompress(make([]byte, 12))
	wantStatus(t, err, "Z4AI_E_UNKNOWN_FORMAT")
	_, err = Decompress(nil)
	if err == nil {
		t.Fatal("nil frame accepted")
	}
	c, _ := NewCompressor()
	wantStatus(t, c.SetParam(Z4AI_C_EFFORT, 99), "Z4AI_E_PARAM_OUT_OF_BOUNDS")
	if f, err := c.Compress(w); err != nil {
		t.Fatal("context unusable after an error", err)
	} else if b, _ := Decompress(f); !bytes.Equal(b, w) {
		t.Fatal("round trip after an error")
	}
	c.Close()
	c.Close()
	_, err = c.Compress(w)
	wantStatus(t, err, "Z4AI_E_STAGE_WRONG")
	// Errors stay with their goroutine's call even under concurrency.
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 50; i++ {
				if g%2 == 0 {
					if _, err := Decompress(bad); err == nil {
						done <- errors.New("damaged frame accepted")
						return
					}
				} else if b, err := Decompress(frame); err != nil || !bytes.Equal(b, w) {
					done <- errors.New("good frame failed: " + errString(err))
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

type trickle struct {
	r    io.Reader
	step int
}

func (t trickle) Read(p []byte) (int, error) {
	if len(p) > t.step {
		p = p[:t.step]
	}
	return t.r.Read(p)
}

func TestStreams(t *testing.T) {
	w := weights(250000, 3)
	c, _ := NewCompressor()
	c.SetDtype("fp32")
	one, err := c.Compress(w)
	if err != nil {
		t.Fatal(err)
	}
	c.SetPledgedSize(int64(len(w)))
	var sink bytes.Buffer
	zw, err := NewWriter(&sink, c)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(w); off += 77777 {
		end := off + 77777
		if end > len(w) {
			end = len(w)
		}
		if _, err := zw.Write(w[off:end]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sink.Bytes(), one) {
		t.Fatal("Writer frame differs from the one-shot frame")
	}
	two := append(append([]byte(nil), one...), one...)
	zr, _ := NewReader(trickle{bytes.NewReader(two), 1000})
	got, err := io.ReadAll(zr)
	zr.Close()
	if err != nil || !bytes.Equal(got, append(append([]byte(nil), w...), w...)) {
		t.Fatalf("Reader over concatenated frames: %v", err)
	}
	zr, _ = NewReader(bytes.NewReader(one[:len(one)-5]))
	_, err = io.ReadAll(zr)
	zr.Close()
	wantStatus(t, err, "Z4AI_E_TRUNCATED", "Z4AI_E_CORRUPT")
}

func TestDelta(t *testing.T) {
	w := weights(100000, 4)
	next := append([]byte(nil), w...)
	for i := 0; i < len(next); i += 4000 {
		next[i] ^= 1
	}
	c, _ := NewCompressor()
	defer c.Close()
	c.SetDtype("fp32")
	c.SetReference(w)
	delta, err := c.Compress(next)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := NewDecompressor()
	defer d.Close()
	d.SetReference(w)
	if b, err := d.Decompress(delta); err != nil || !bytes.Equal(b, next) {
		t.Fatal("delta round trip", err)
	}
	_, err = Decompress(delta)
	wantStatus(t, err, "Z4AI_E_REFERENCE_MISSING")
}

func rssKB() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return 0
}

// 10,000 compress/decompress calls with flat memory: Close frees the native contexts.
func TestMemoryFlat(t *testing.T) {
	small := weights(1024, 5)
	var rss0 int64
	for i := 0; i < 12000; i++ {
		if i == 2000 {
			runtime.GC()
			rss0 = rssKB()
		}
		c, _ := NewCompressor()
		c.SetParam(Z4AI_C_THREADS, 1)
		c.SetDtype("fp32")
		f, err := c.Compress(small)
		c.Close()
		d, _ := NewDecompressor()
		d.SetParam(Z4AI_D_THREADS, 1)
		b, err2 := d.Decompress(f)
		d.Close()
		if err != nil || err2 != nil || !bytes.Equal(b, small) {
			t.Fatal("loop round trip", err, err2)
		}
	}
	runtime.GC()
	if rss1 := rssKB(); rss1-rss0 > 16*1024 {
		t.Fatalf("memory grew over 10,000 calls: %d -> %d KB", rss0, rss1)
	} else {
		t.Logf("rss %d -> %d KB", rss0, rss1)
	}
}

// Cross-language: Z4AI_CLI_FRAME made by `z4ai compress --dtype $Z4AI_DTYPE $Z4AI_INPUT`.
func TestFrameMatchesCLI(t *testing.T) {
	framePath, inPath, dtype := os.Getenv("Z4AI_CLI_FRAME"), os.Getenv("Z4AI_INPUT"), os.Getenv("Z4AI_DTYPE")
	if framePath == "" {
		t.Skip("Z4AI_CLI_FRAME not set")
	}
	cli, err1 := os.ReadFile(framePath)
	in, err2 := os.ReadFile(inPath)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	mine, err := Compress(in, dtype)
	if err != nil || !bytes.Equal(mine, cli) {
		t.Fatalf("Go frame differs from the CLI frame (%v)", err)
	}
	if b, err := Decompress(cli); err != nil || !bytes.Equal(b, in) {
		t.Fatal("decoding the CLI frame", err)
	}
}
