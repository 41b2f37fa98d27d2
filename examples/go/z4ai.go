// Package main: a streaming compress/decompress CLI on z4ai's C ABI through cgo
// (no SWIG). This file is the small wrapper; main.go is the CLI.
//
// Flags come from pkg-config (an installed z4ai, or the build tree's z4ai.pc that
// examples/run.sh writes).
package main

/*
#cgo pkg-config: z4ai
#include <stdlib.h>
#include <z4ai.h>
*/
import "C"

import (
	"io"
	"runtime"
	"unsafe"
)

// Error is a failed z4ai call: the pinned status code and name, and the detail text.
type Error struct {
	Status int
	Name   string
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Name
	}
	return e.Name + ": " + e.Detail
}

func newError(s C.z4ai_status, detail *C.char) error {
	e := &Error{Status: int(s), Name: C.GoString(C.z4ai_status_name(s))}
	if detail != nil {
		e.Detail = C.GoString(detail)
	}
	return e
}

// DtypeFromName parses "bf16", "bfloat16", "float32", ... into a dtype code.
func DtypeFromName(name string) (int, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var code C.int32_t
	if s := C.z4ai_dtype_from_name(cs, &code); s != C.Z4AI_OK {
		return 0, &Error{Status: int(s), Name: C.GoString(C.z4ai_status_name(s)), Detail: "unknown dtype " + name}
	}
	return int(code), nil
}

// Compressor owns a z4ai_cctx. Close frees it; a finalizer frees it if Close is forgotten.
type Compressor struct{ ctx *C.z4ai_cctx }

// NewCompressor makes a context with the CLI's defaults and the given dtype.
func NewCompressor(dtype int) (*Compressor, error) {
	ctx := C.z4ai_cctx_create()
	if ctx == nil {
		return nil, &Error{Status: -2, Name: "Z4AI_E_MEMORY"}
	}
	c := &Compressor{ctx}
	runtime.SetFinalizer(c, (*Compressor).Close)
	for _, p := range [][2]int64{{C.Z4AI_C_DTYPE, int64(dtype)}, {C.Z4AI_C_THREADS, 0}} {
		if s := C.z4ai_cctx_set_param(ctx, C.int32_t(p[0]), C.int64_t(p[1])); s != C.Z4AI_OK {
			err := newError(s, C.z4ai_cctx_last_error(ctx))
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Close frees the native context (idempotent).
func (c *Compressor) Close() {
	if c.ctx != nil {
		C.z4ai_cctx_free(c.ctx)
		c.ctx = nil
	}
}

// CompressStream writes one frame holding everything read from r, in bounded memory.
// size >= 0 is pledged so the header records it (as `z4ai compress` does for files).
func (c *Compressor) CompressStream(w io.Writer, r io.Reader, size int64) error {
	if size >= 0 {
		if s := C.z4ai_cctx_set_pledged_size(c.ctx, C.uint64_t(size)); s != C.Z4AI_OK {
			return newError(s, C.z4ai_cctx_last_error(c.ctx))
		}
	}
	inCap := C.z4ai_cstream_in_size(c.ctx)
	outCap := C.z4ai_compress_bound(C.uint64_t(inCap))
	// C buffers: cgo forbids passing Go memory that the C side keeps pointers into, and
	// z4ai_compress_stream may keep buffered input between calls.
	ibuf, obuf := C.malloc(inCap), C.malloc(outCap)
	defer C.free(ibuf)
	defer C.free(obuf)
	in := unsafe.Slice((*byte)(ibuf), int(inCap))
	out := unsafe.Slice((*byte)(obuf), int(outCap))
	for {
		got, err := io.ReadFull(r, in)
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return err
		}
		endOp := C.int32_t(C.Z4AI_CONTINUE)
		if eof {
			endOp = C.Z4AI_END
		}
		var ipos, remaining C.size_t
		for {
			var opos C.size_t
			s := C.z4ai_compress_stream_args(c.ctx, obuf, outCap, &opos, ibuf, C.size_t(got), &ipos, endOp, &remaining)
			if s != C.Z4AI_OK {
				return newError(s, C.z4ai_cctx_last_error(c.ctx))
			}
			if _, err := w.Write(out[:opos]); err != nil {
				return err
			}
			if !(int(ipos) < got || (eof && remaining > 0)) {
				break
			}
		}
		if eof {
			return nil
		}
	}
}

// Decompressor owns a z4ai_dctx.
type Decompressor struct{ ctx *C.z4ai_dctx }

func NewDecompressor() (*Decompressor, error) {
	ctx := C.z4ai_dctx_create()
	if ctx == nil {
		return nil, &Error{Status: -2, Name: "Z4AI_E_MEMORY"}
	}
	d := &Decompressor{ctx}
	runtime.SetFinalizer(d, (*Decompressor).Close)
	C.z4ai_dctx_set_param(ctx, C.Z4AI_D_THREADS, 0)
	return d, nil
}

// Close frees the native context (idempotent).
func (d *Decompressor) Close() {
	if d.ctx != nil {
		C.z4ai_dctx_free(d.ctx)
		d.ctx = nil
	}
}

// DecompressStream decodes the frames read from r into w in bounded memory.
func (d *Decompressor) DecompressStream(w io.Writer, r io.Reader) error {
	const inCap = 1 << 20
	outCap := C.z4ai_dstream_out_size(d.ctx)
	ibuf, obuf := C.malloc(inCap), C.malloc(outCap)
	defer C.free(ibuf)
	defer C.free(obuf)
	in := unsafe.Slice((*byte)(ibuf), inCap)
	out := unsafe.Slice((*byte)(obuf), int(outCap))
	inFrame, seen := false, false
	for {
		got, err := r.Read(in)
		if got == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return err
		}
		if got == 0 {
			continue
		}
		seen = true
		var ipos C.size_t
		remaining := C.size_t(1)
		for int(ipos) < got || remaining > 0 {
			var opos C.size_t
			before := ipos
			s := C.z4ai_decompress_stream_args(d.ctx, obuf, outCap, &opos, ibuf, C.size_t(got), &ipos, &remaining)
			if s != C.Z4AI_OK {
				return newError(s, C.z4ai_dctx_last_error(d.ctx))
			}
			if _, err := w.Write(out[:opos]); err != nil {
				return err
			}
			inFrame = remaining != 0
			if !inFrame && int(ipos) == got {
				break
			}
			if !inFrame {
				remaining = 1 // concatenated frames: decode the next one
			}
			if opos == 0 && ipos == before {
				break // needs more input
			}
		}
	}
	if inFrame || !seen {
		msg := "input ended inside a frame"
		if !seen {
			msg = "empty input"
		}
		return &Error{Status: -12, Name: "Z4AI_E_TRUNCATED", Detail: msg}
	}
	return nil
}
