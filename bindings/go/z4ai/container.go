package z4ai

import (
	"fmt"
	"io"
	"runtime"
)

// Containers: a .safetensors file as a .zstn container (each tensor its own frame, tied
// tensors stored once, restored byte for byte), model deltas (.z4dm: a fine-tune against
// its base .safetensors), and random access into either (Container).

// Kinds reported by DetectKind and Container.Kind (values of z4ai.h, read at start-up).
var (
	KindUnknown     = Z4AI_KIND_UNKNOWN
	KindFrame       = Z4AI_KIND_FRAME
	KindContainer   = Z4AI_KIND_CONTAINER
	KindModelDelta  = Z4AI_KIND_MODEL_DELTA
	KindSafetensors = Z4AI_KIND_SAFETENSORS
)

// Storage methods of a tensor (TensorInfo.Method).
var (
	TensorEmpty     = Z4AI_TENSOR_EMPTY
	TensorFrame     = Z4AI_TENSOR_FRAME
	TensorSame      = Z4AI_TENSOR_SAME
	TensorBaseCopy  = Z4AI_TENSOR_BASE_COPY
	TensorBaseDelta = Z4AI_TENSOR_BASE_DELTA
	TensorRaw       = Z4AI_TENSOR_RAW
)

// DetectKind classifies data (a whole input) as a frame, container, model delta or
// .safetensors file.
func DetectKind(data []byte) (int, error) {
	var k int
	err := call(func() { k = Detect_kind(data, -1) })
	return k, err
}

// CompressSafetensors turns .safetensors bytes into a .zstn container with the
// context's effort, level, chunk size, checksum and threads (dtype and shape come from
// each tensor).
func (c *Compressor) CompressSafetensors(safetensors []byte) ([]byte, error) {
	return c.containerOut(safetensors, func(dst []byte) int64 { return c.ctx.Safetensors_compress(dst, safetensors) })
}

// CompressModelDelta turns a fine-tuned .safetensors into a .z4dm model delta against
// its base .safetensors.
func (c *Compressor) CompressModelDelta(fineTune, base []byte) ([]byte, error) {
	return c.containerOut(fineTune, func(dst []byte) int64 { return c.ctx.Model_delta_compress(dst, fineTune, base) })
}

func (c *Compressor) containerOut(src []byte, run func(dst []byte) int64) ([]byte, error) {
	if err := c.live(); err != nil {
		return nil, err
	}
	var bound, n int64
	if err := call(func() { bound = Safetensors_compress_bound(src) }); err != nil {
		return nil, err
	}
	dst := make([]byte, bound)
	if err := call(func() { n = run(dst) }); err != nil {
		return nil, err
	}
	return dst[:n], nil
}

// CompressSafetensorsFile compresses a .safetensors file into a .zstn file (written
// atomically); it returns the container's size.
func (c *Compressor) CompressSafetensorsFile(src, dst string) (int64, error) {
	if err := c.live(); err != nil {
		return 0, err
	}
	var n int64
	err := call(func() { n = c.ctx.Safetensors_compress_file(src, dst) })
	return n, err
}

// CompressModelDeltaFile writes the .z4dm of fineTune against base to dst.
func (c *Compressor) CompressModelDeltaFile(fineTune, base, dst string) (int64, error) {
	if err := c.live(); err != nil {
		return 0, err
	}
	var n int64
	err := call(func() { n = c.ctx.Model_delta_compress_file(fineTune, base, dst) })
	return n, err
}

// DecompressSafetensors restores the original .safetensors bytes of a .zstn container.
func (d *Decompressor) DecompressSafetensors(zstn []byte) ([]byte, error) {
	return d.containerOut(zstn, func(dst []byte) int64 { return d.ctx.Safetensors_decompress(dst, zstn) })
}

// DecompressModelDelta restores a fine-tune from its .z4dm and base (a wrong base gives
// Z4AI_E_REFERENCE_MISMATCH).
func (d *Decompressor) DecompressModelDelta(z4dm, base []byte) ([]byte, error) {
	return d.containerOut(z4dm, func(dst []byte) int64 { return d.ctx.Model_delta_decompress(dst, z4dm, base) })
}

func (d *Decompressor) containerOut(src []byte, run func(dst []byte) int64) ([]byte, error) {
	if err := d.live(); err != nil {
		return nil, err
	}
	var size, n int64
	if err := call(func() { size = Container_content_size(src) }); err != nil {
		return nil, err
	}
	dst := make([]byte, size)
	if err := call(func() { n = run(dst) }); err != nil {
		return nil, err
	}
	return dst[:n], nil
}

// DecompressSafetensorsFile restores a .zstn file into a .safetensors file (atomically).
func (d *Decompressor) DecompressSafetensorsFile(src, dst string) (int64, error) {
	if err := d.live(); err != nil {
		return 0, err
	}
	var n int64
	err := call(func() { n = d.ctx.Safetensors_decompress_file(src, dst) })
	return n, err
}

// DecompressModelDeltaFile restores the fine-tune of a .z4dm file and its base into dst.
func (d *Decompressor) DecompressModelDeltaFile(src, base, dst string) (int64, error) {
	if err := d.live(); err != nil {
		return 0, err
	}
	var n int64
	err := call(func() { n = d.ctx.Model_delta_decompress_file(src, base, dst) })
	return n, err
}

// CompressSafetensors is the one-shot form (default effort, all cores).
func CompressSafetensors(safetensors []byte) ([]byte, error) {
	c, err := NewCompressor()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.CompressSafetensors(safetensors)
}

// DecompressSafetensors is the one-shot form.
func DecompressSafetensors(zstn []byte) ([]byte, error) {
	d, err := NewDecompressor()
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.DecompressSafetensors(zstn)
}

// TensorInfo describes one tensor of a container, model delta or .safetensors file.
type TensorInfo struct {
	Index      int
	Name       string // exact UTF-8 bytes of the name
	Dtype      int
	DtypeName  string
	Method     int     // TensorFrame, TensorSame, ...
	Shape      []int64 // empty for a scalar
	Ref        int64   // TensorSame / TensorBaseCopy / TensorBaseDelta: the tensor it refers to
	NBytes     int64   // decoded size
	DataOffset int64   // offset in the .safetensors data section
	StoredSize int64   // bytes of its frame in the container (0 if none)
}

// Container reads tensors of a .zstn, a .z4dm (after AttachBase) or a .safetensors file,
// decoding only the frames (for element ranges: only the chunks) it needs. Not safe for
// concurrent use. Call Close (a finalizer is a safety net).
type Container struct {
	r   NativeReader
	src io.ReaderAt // set by OpenContainerReaderAt: tensors are read through it
}

func newContainer(open func(r NativeReader)) (*Container, error) {
	var r NativeReader
	if err := call(func() { r = NewNativeReader() }); err != nil {
		return nil, err
	}
	c := &Container{r: r}
	runtime.SetFinalizer(c, (*Container).Close)
	err := call(func() {
		r.Set_param(Z4AI_D_THREADS, 0)
		if !z4ai_pending() {
			open(r)
		}
	})
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// OpenContainer opens an input held in memory (the bytes are copied).
func OpenContainer(data []byte) (*Container, error) {
	return newContainer(func(r NativeReader) { r.Open_memory(data) })
}

// OpenContainerFile opens a file; only its prefix, trailer and index are read now.
func OpenContainerFile(path string) (*Container, error) {
	return newContainer(func(r NativeReader) { r.Open_file(path) })
}

// First sizes read to open through an io.ReaderAt: the prefix, and the trailer plus
// the index of a container with a few dozen tensors (a bigger index costs one read more).
const readAtHead, readAtTail = 64, 8192 - 64

// OpenContainerReaderAt opens an input of size bytes read through src (an *os.File, an
// HTTP range reader, an object-store client...): its first 64 and last 8 KiB now (more
// if its index is bigger), then each tensor with one ReadAt of its frame. The reads
// happen in Go; the native reader decodes what they return. src must stay usable
// until Close.
func OpenContainerReaderAt(src io.ReaderAt, size int64) (*Container, error) {
	c, err := newContainer(func(r NativeReader) {})
	if err != nil {
		return nil, err
	}
	head, tail := min64(readAtHead, size), min64(readAtTail, size)
	var h, t []byte
	for round := 0; ; round++ {
		if int64(len(h)) < head {
			if h, err = readFull(src, 0, head); err != nil {
				c.Close()
				return nil, err
			}
		}
		if int64(len(t)) < tail {
			if t, err = readFull(src, size-tail, tail); err != nil {
				c.Close()
				return nil, err
			}
		}
		var more int
		var nh, nt int64
		err = c.do(func(r NativeReader) {
			more = int(r.Open_parts(size, h, t))
			nh, nt = r.Parts_head_needed(), r.Parts_tail_needed()
		})
		if err != nil {
			c.Close()
			return nil, err
		}
		if more == 0 {
			break
		}
		if round == 3 {
			c.Close()
			return nil, newError(Z4AI_E_TRUNCATED, "container still incomplete after 3 rounds")
		}
		head, tail = max64(head, nh), max64(tail, nt)
	}
	c.src = src
	return c, nil
}

func readFull(src io.ReaderAt, off, n int64) ([]byte, error) {
	b := make([]byte, n)
	k, err := src.ReadAt(b, off)
	if int64(k) == n {
		return b, nil // io.ReaderAt may report io.EOF with a full read at the end
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return nil, newError(Z4AI_E_IO, fmt.Sprintf("reading bytes %d-%d: %v", off, off+n-1, err))
}

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func (c *Container) do(f func(r NativeReader)) error {
	if c.r == nil {
		return newError(Z4AI_E_STAGE_WRONG, "container reader is closed")
	}
	return call(func() { f(c.r) })
}

// SetParam sets a Z4AI_D_* parameter that applies to readers.
func (c *Container) SetParam(param int, value int64) error {
	return c.do(func(r NativeReader) { r.Set_param(param, value) })
}

// Kind is KindContainer, KindModelDelta or KindSafetensors.
func (c *Container) Kind() (int, error) {
	var k int
	err := c.do(func(r NativeReader) { k = r.Kind() })
	return k, err
}

// AttachBase gives a model delta the base .safetensors it was made against (copied).
func (c *Container) AttachBase(base []byte) error {
	return c.do(func(r NativeReader) { r.Attach_base(base) })
}

// Len is the number of tensors.
func (c *Container) Len() (int, error) {
	var n int64
	err := c.do(func(r NativeReader) { n = r.Tensor_count() })
	return int(n), err
}

// Find is the index of the tensor called name (Z4AI_E_NOT_FOUND if absent).
func (c *Container) Find(name string) (int, error) {
	var i int64
	err := c.do(func(r NativeReader) { i = r.Find([]byte(name)) })
	return int(i), err
}

// Tensor describes tensor index.
func (c *Container) Tensor(index int) (TensorInfo, error) {
	t := TensorInfo{Index: index}
	i := int64(index)
	err := c.do(func(r NativeReader) {
		name := make([]byte, r.Tensor_name_size(i))
		if z4ai_pending() {
			return
		}
		r.Tensor_name_bytes(i, name)
		t.Name = string(name)
		t.Dtype, t.Method = r.Tensor_dtype(i), r.Tensor_method(i)
		t.Shape = make([]int64, r.Tensor_ndim(i))
		for d := range t.Shape {
			t.Shape[d] = r.Tensor_dim(i, int64(d))
		}
		t.Ref, t.NBytes = r.Tensor_ref(i), r.Tensor_nbytes(i)
		t.DataOffset, t.StoredSize = r.Tensor_data_offset(i), r.Tensor_stored_size(i)
		t.DtypeName = Dtype_name(t.Dtype)
	})
	return t, err
}

// Tensors lists every tensor in index order.
func (c *Container) Tensors() ([]TensorInfo, error) {
	n, err := c.Len()
	if err != nil {
		return nil, err
	}
	list := make([]TensorInfo, n)
	for i := range list {
		if list[i], err = c.Tensor(i); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// ReadTensor decodes tensor index.
func (c *Container) ReadTensor(index int) ([]byte, error) {
	var size int64
	if err := c.do(func(r NativeReader) { size = r.Tensor_nbytes(int64(index)) }); err != nil {
		return nil, err
	}
	dst := make([]byte, size)
	n, err := c.ReadTensorInto(index, dst)
	return dst[:n], err
}

// ReadTensorInto decodes tensor index into dst (at least its NBytes); returns the bytes written.
func (c *Container) ReadTensorInto(index int, dst []byte) (int, error) {
	var n int64
	if c.src != nil {
		var off, size int64
		if err := c.do(func(r NativeReader) {
			off, size = r.Tensor_extent_offset(int64(index)), r.Tensor_extent_size(int64(index))
		}); err != nil {
			return 0, err
		}
		stored, err := readFull(c.src, off, size)
		if err != nil {
			return 0, err
		}
		err = c.do(func(r NativeReader) { n = r.Read_tensor_from(int64(index), stored, off, dst) })
		return int(n), err
	}
	err := c.do(func(r NativeReader) { n = r.Read_tensor(int64(index), dst) })
	return int(n), err
}

// ReadElements decodes elements [first, first+count) of tensor index (row-major),
// touching only the chunks that hold them.
func (c *Container) ReadElements(index int, first, count int64) ([]byte, error) {
	var width int64
	if err := c.do(func(r NativeReader) {
		dt := r.Tensor_dtype(int64(index))
		if !z4ai_pending() {
			width = Dtype_width(dt)
		}
	}); err != nil {
		return nil, err
	}
	dst := make([]byte, width*count)
	n, err := c.ReadElementsInto(index, first, count, dst)
	return dst[:n], err
}

// ReadElementsInto is ReadElements into dst; returns the bytes written.
func (c *Container) ReadElementsInto(index int, first, count int64, dst []byte) (int, error) {
	var n int64
	err := c.do(func(r NativeReader) { n = r.Read_elements(int64(index), first, count, dst) })
	return int(n), err
}

// HeaderJSON is the original header JSON (with __metadata__ and padding).
func (c *Container) HeaderJSON() (string, error) {
	var s string
	err := c.do(func(r NativeReader) { s = r.Header_json() })
	return s, err
}

// Describe is a JSON description: kind, sizes and every tensor.
func (c *Container) Describe() (string, error) {
	var s string
	err := c.do(func(r NativeReader) { s = r.Describe() })
	return s, err
}

// FileSize is the size of the .safetensors file the input restores to.
func (c *Container) FileSize() (int64, error) {
	var n int64
	err := c.do(func(r NativeReader) { n = r.File_size() })
	return n, err
}

// Restore returns the whole .safetensors file, byte for byte.
func (c *Container) Restore() ([]byte, error) {
	size, err := c.FileSize()
	if err != nil {
		return nil, err
	}
	dst := make([]byte, size)
	var n int64
	err = c.do(func(r NativeReader) { n = r.Restore(dst) })
	return dst[:n], err
}

// RestoreFile writes the whole .safetensors file to path (atomically).
func (c *Container) RestoreFile(path string) error {
	return c.do(func(r NativeReader) { r.Restore_file(path) })
}

// IOStats is the read calls and bytes the input has served since it was opened.
func (c *Container) IOStats() (calls, bytes int64, err error) {
	err = c.do(func(r NativeReader) {
		calls = r.Io_calls()
		if !z4ai_pending() {
			bytes = r.Io_bytes()
		}
	})
	return
}

// Close frees the native reader (idempotent).
func (c *Container) Close() {
	if c.r != nil {
		c.r.Close()
		DeleteNativeReader(c.r)
		c.r = nil
		runtime.SetFinalizer(c, nil)
	}
}
