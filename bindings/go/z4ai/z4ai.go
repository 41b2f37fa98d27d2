// Package z4ai is the Go binding of z4ai, a lossless codec for neural-network weights.
//
// It wraps the shared SWIG interface (bindings/swig/z4ai.i, Go typemaps: []byte in
// place). Errors are *Error values carrying the pinned status name, e.g.
// "Z4AI_E_CORRUPT". Contexts own native memory: call Close (a finalizer is a safety
// net, not a substitute).
//
//	frame, err := z4ai.Compress(weights, "bf16")
//	back, err := z4ai.Decompress(frame)
//	w := z4ai.NewWriter(file, c)  // io.WriteCloser: one frame
//	r := z4ai.NewReader(file)     // io.ReadCloser: every concatenated frame
package z4ai

import (
	"fmt"
	"io"
	"runtime"
)

// Error is a failed z4ai call: the pinned status code and name, and the detail text.
type Error struct {
	Status int
	Name   string
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" || e.Detail == e.Name {
		return e.Name
	}
	return e.Name + ": " + e.Detail
}

func newError(status int, detail string) *Error {
	return &Error{Status: status, Name: Status_name(status), Detail: detail}
}

// call runs f on one OS thread and returns the error f's native call recorded there.
func call(f func()) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f()
	detail := Pending_detail()
	if s := Take_pending_status(); s != 0 {
		return newError(s, detail)
	}
	return nil
}

// Version of the loaded native library.
func Version() string { return Version_string() }

// DtypeCode parses a dtype name or alias ("bf16", "bfloat16", "float32", ...).
func DtypeCode(name string) (int, error) {
	var code int
	err := call(func() { code = Dtype_from_name(name) })
	return int(code), err
}

// Effort tiers (z4ai_effort).
const (
	EffortFast    = 0
	EffortDefault = 1
	EffortMax     = 2
)

// Compressor owns a compression context. Not safe for concurrent use.
type Compressor struct{ ctx CCtx }

// NewCompressor makes a context with the defaults of `z4ai compress` (all cores).
func NewCompressor() (*Compressor, error) {
	var ctx CCtx
	if err := call(func() { ctx = NewCCtx() }); err != nil {
		return nil, err
	}
	c := &Compressor{ctx}
	runtime.SetFinalizer(c, (*Compressor).Close)
	return c, c.SetParam(Z4AI_C_THREADS, 0)
}

func (c *Compressor) live() error {
	if c.ctx == nil {
		return newError(Z4AI_E_STAGE_WRONG, "compressor is closed")
	}
	return nil
}

// SetParam sets any Z4AI_C_* parameter.
func (c *Compressor) SetParam(param int, value int64) error {
	if err := c.live(); err != nil {
		return err
	}
	return call(func() { c.ctx.Set_param(param, value) })
}

// SetDtype sets the element type for the byte-plane split by name.
func (c *Compressor) SetDtype(name string) error {
	code, err := DtypeCode(name)
	if err != nil {
		return err
	}
	return c.SetParam(Z4AI_C_DTYPE, int64(code))
}

// SetShape records a tensor shape in the next frames (no dims = none).
func (c *Compressor) SetShape(dims ...int64) error {
	if err := c.live(); err != nil {
		return err
	}
	return call(func() {
		c.ctx.Clear_shape()
		for _, d := range dims {
			c.ctx.Append_shape_dim(d)
			if z4ai_pending() {
				return
			}
		}
	})
}

// z4ai_pending reports whether the current thread has a pending error (inside call).
func z4ai_pending() bool { return Pending_detail() != "" }

// SetPledgedSize tells the next streamed frame its content size (the header records it).
func (c *Compressor) SetPledgedSize(n int64) error {
	if err := c.live(); err != nil {
		return err
	}
	return call(func() { c.ctx.Set_pledged_size(n) })
}

// SetReference compresses the next frames against ref (checkpoint delta; ref is copied).
func (c *Compressor) SetReference(ref []byte) error {
	if err := c.live(); err != nil {
		return err
	}
	return call(func() { c.ctx.Set_reference(ref) })
}

// Compress compresses src into one frame.
func (c *Compressor) Compress(src []byte) ([]byte, error) {
	if err := c.live(); err != nil {
		return nil, err
	}
	bound, err := CompressBound(int64(len(src)))
	if err != nil {
		return nil, err
	}
	dst := make([]byte, bound)
	var n int64
	if err := call(func() { n = c.ctx.Compress(dst, src) }); err != nil {
		return nil, err
	}
	return dst[:n], nil
}

// CompressStream runs one streaming step (endOp Z4AI_CONTINUE, Z4AI_FLUSH or Z4AI_END):
// it returns the bytes of src consumed, of dst produced, and the bytes still waiting
// (0 after Z4AI_END: the frame is complete).
func (c *Compressor) CompressStream(dst, src []byte, endOp int) (consumed, produced int, remaining int64, err error) {
	if err = c.live(); err != nil {
		return
	}
	err = call(func() {
		remaining = c.ctx.Compress_stream(dst, src, endOp)
		if z4ai_pending() {
			return
		}
		consumed, produced = int(c.ctx.Last_src_pos()), int(c.ctx.Last_dst_pos())
	})
	return
}

// StreamInSize is the recommended input size per streaming step.
func (c *Compressor) StreamInSize() int { return int(c.ctx.Stream_in_size()) }

// Close frees the native context (idempotent).
func (c *Compressor) Close() {
	if c.ctx != nil {
		c.ctx.Close()
		DeleteCCtx(c.ctx)
		c.ctx = nil
		runtime.SetFinalizer(c, nil)
	}
}

// Decompressor owns a decompression context. Not safe for concurrent use.
type Decompressor struct{ ctx DCtx }

// NewDecompressor makes a decompression context (all cores).
func NewDecompressor() (*Decompressor, error) {
	var ctx DCtx
	if err := call(func() { ctx = NewDCtx() }); err != nil {
		return nil, err
	}
	d := &Decompressor{ctx}
	runtime.SetFinalizer(d, (*Decompressor).Close)
	return d, d.SetParam(Z4AI_D_THREADS, 0)
}

func (d *Decompressor) live() error {
	if d.ctx == nil {
		return newError(Z4AI_E_STAGE_WRONG, "decompressor is closed")
	}
	return nil
}

// SetParam sets any Z4AI_D_* parameter.
func (d *Decompressor) SetParam(param int, value int64) error {
	if err := d.live(); err != nil {
		return err
	}
	return call(func() { d.ctx.Set_param(param, value) })
}

// SetReference sets the reference for delta frames (copied).
func (d *Decompressor) SetReference(ref []byte) error {
	if err := d.live(); err != nil {
		return err
	}
	return call(func() { d.ctx.Set_reference(ref) })
}

// Decompress decodes one complete frame.
func (d *Decompressor) Decompress(frame []byte) ([]byte, error) {
	if err := d.live(); err != nil {
		return nil, err
	}
	info, err := Info(frame)
	if err != nil {
		return nil, err
	}
	if info.ContentSize < 0 {
		return nil, newError(Z4AI_E_TRUNCATED, "content size unknown: incomplete frame")
	}
	dst := make([]byte, info.ContentSize)
	var n int64
	if err := call(func() { n = d.ctx.Decompress(dst, frame) }); err != nil {
		return nil, err
	}
	return dst[:n], nil
}

// DecompressRange decodes content bytes [offset, offset+length) (clamped), touching only
// the chunks that overlap them.
func (d *Decompressor) DecompressRange(frame []byte, offset, length int64) ([]byte, error) {
	if err := d.live(); err != nil {
		return nil, err
	}
	dst := make([]byte, length)
	var n int64
	if err := call(func() { n = d.ctx.Decompress_range(dst, frame, offset, length) }); err != nil {
		return nil, err
	}
	return dst[:n], nil
}

// DecompressStream runs one streaming step; remaining is 0 once the frame is complete.
func (d *Decompressor) DecompressStream(dst, src []byte) (consumed, produced int, remaining int64, err error) {
	if err = d.live(); err != nil {
		return
	}
	err = call(func() {
		remaining = d.ctx.Decompress_stream(dst, src)
		if z4ai_pending() {
			return
		}
		consumed, produced = int(d.ctx.Last_src_pos()), int(d.ctx.Last_dst_pos())
	})
	return
}

// StreamOutSize is the recommended output size per streaming step.
func (d *Decompressor) StreamOutSize() int { return int(d.ctx.Stream_out_size()) }

// Close frees the native context (idempotent).
func (d *Decompressor) Close() {
	if d.ctx != nil {
		d.ctx.Close()
		DeleteDCtx(d.ctx)
		d.ctx = nil
		runtime.SetFinalizer(d, nil)
	}
}

// CompressBound is the worst-case frame size for n input bytes.
func CompressBound(n int64) (int64, error) {
	var b int64
	err := call(func() { b = Compress_bound(n) })
	return b, err
}

// Compress compresses data with the given dtype ("" = raw bytes) and default effort.
func Compress(data []byte, dtype string) ([]byte, error) {
	c, err := NewCompressor()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if dtype != "" {
		if err := c.SetDtype(dtype); err != nil {
			return nil, err
		}
	}
	return c.Compress(data)
}

// Decompress decodes one complete frame.
func Decompress(frame []byte) ([]byte, error) {
	d, err := NewDecompressor()
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Decompress(frame)
}

// FrameInfo is what a frame header records.
type FrameInfo struct {
	Dtype          int
	DtypeName      string
	ContentSize    int64 // -1 if a streamed frame's header did not record it
	CompressedSize int64 // -1 if only a prefix was given
	Shape          []int64
}

// Info reads the header of the frame at the start of frame.
func Info(frame []byte) (FrameInfo, error) {
	var fi FrameInfo
	err := call(func() {
		fi.Dtype = Frame_dtype(frame)
		if z4ai_pending() {
			return
		}
		fi.DtypeName = Dtype_name(fi.Dtype)
		fi.ContentSize = Frame_content_size(frame)
		if z4ai_pending() {
			return
		}
		n := Frame_ndim(frame)
		for i := int64(0); i < n; i++ {
			fi.Shape = append(fi.Shape, Frame_dim(frame, i))
		}
	})
	if err != nil {
		return fi, err
	}
	if call(func() { fi.CompressedSize = Frame_compressed_size(frame) }) != nil {
		fi.CompressedSize = -1
	}
	return fi, nil
}

// Describe returns a JSON description of a complete frame.
func Describe(frame []byte) (string, error) {
	var s string
	err := call(func() { s = Frame_describe(frame) })
	return s, err
}

// Writer compresses everything written into one frame on the underlying writer, in
// bounded memory; Close ends the frame (the underlying writer stays open).
type Writer struct {
	w        io.Writer
	c        *Compressor
	in, out  []byte
	n        int
	finished bool
}

// NewWriter takes ownership of c (nil: a default Compressor).
func NewWriter(w io.Writer, c *Compressor) (*Writer, error) {
	if c == nil {
		var err error
		if c, err = NewCompressor(); err != nil {
			return nil, err
		}
	}
	bound, err := CompressBound(int64(c.StreamInSize()))
	if err != nil {
		return nil, err
	}
	return &Writer{w: w, c: c, in: make([]byte, c.StreamInSize()), out: make([]byte, bound)}, nil
}

func (z *Writer) step(endOp int) error {
	pos := 0
	for {
		used, made, remaining, err := z.c.CompressStream(z.out, z.in[pos:z.n], endOp)
		if err != nil {
			return err
		}
		pos += used
		if _, err := z.w.Write(z.out[:made]); err != nil {
			return err
		}
		if pos >= z.n && (endOp == Z4AI_CONTINUE || remaining == 0) {
			break
		}
	}
	z.n = 0
	return nil
}

// Write buffers p and compresses whole input blocks.
func (z *Writer) Write(p []byte) (int, error) {
	if z.finished {
		return 0, fmt.Errorf("z4ai: write after Close")
	}
	total := len(p)
	for len(p) > 0 {
		k := copy(z.in[z.n:], p)
		z.n += k
		p = p[k:]
		if z.n == len(z.in) {
			if err := z.step(Z4AI_CONTINUE); err != nil {
				return total - len(p), err
			}
		}
	}
	return total, nil
}

// Flush emits the input buffered so far as a (short) chunk; the frame stays open.
func (z *Writer) Flush() error { return z.step(Z4AI_FLUSH) }

// Close ends the frame and frees the compressor.
func (z *Writer) Close() error {
	if z.finished {
		return nil
	}
	z.finished = true
	defer z.c.Close()
	return z.step(Z4AI_END)
}

// Reader decodes the frames read from the underlying reader (concatenated frames one
// after another) in bounded memory.
type Reader struct {
	r                  io.Reader
	d                  *Decompressor
	in, out            []byte
	inPos, inEnd       int
	outPos, outEnd     int
	eof, inFrame, seen bool
}

// NewReader makes a Reader with a default Decompressor.
func NewReader(r io.Reader) (*Reader, error) {
	d, err := NewDecompressor()
	if err != nil {
		return nil, err
	}
	return &Reader{r: r, d: d, in: make([]byte, 1<<20), out: make([]byte, d.StreamOutSize())}, nil
}

func (z *Reader) refill() error {
	copy(z.in, z.in[z.inPos:z.inEnd])
	z.inEnd -= z.inPos
	z.inPos = 0
	n, err := z.r.Read(z.in[z.inEnd:])
	z.inEnd += n
	if n > 0 {
		z.seen = true
	}
	if err == io.EOF {
		z.eof = true
	} else if err != nil {
		return err
	}
	return nil
}

// Read decodes into p.
func (z *Reader) Read(p []byte) (int, error) {
	for z.outPos == z.outEnd {
		if z.inPos == z.inEnd && !z.eof {
			if err := z.refill(); err != nil {
				return 0, err
			}
			continue
		}
		if z.inPos == z.inEnd && z.eof && !z.inFrame {
			if !z.seen {
				return 0, newError(Z4AI_E_TRUNCATED, "empty input")
			}
			return 0, io.EOF
		}
		used, made, remaining, err := z.d.DecompressStream(z.out, z.in[z.inPos:z.inEnd])
		if err != nil {
			return 0, err
		}
		z.inPos += used
		z.outPos, z.outEnd = 0, made
		z.inFrame = remaining != 0
		if made == 0 && used == 0 { // the decoder needs more input
			if z.eof {
				if z.inFrame || z.inPos != z.inEnd {
					return 0, newError(Z4AI_E_TRUNCATED, "input ended inside a frame")
				}
				return 0, io.EOF
			}
			if err := z.refill(); err != nil {
				return 0, err
			}
		}
	}
	n := copy(p, z.out[z.outPos:z.outEnd])
	z.outPos += n
	return n, nil
}

// Close frees the decompressor.
func (z *Reader) Close() error {
	z.d.Close()
	return nil
}
