/*
 * Go layer of z4ai.i (package z4ai in bindings/go/z4ai; built by `go build`, which runs
 * SWIG on bindings/go/z4ai/z4ai.swig).
 *
 * - Buffers: every (Z4AI_IN, size) / (Z4AI_OUT, capacity) pair is one Go []byte, passed
 *   to C in place (no copy) for the duration of the call; z4ai keeps no pointer into it
 *   afterwards (references are copied: Z4AI_SWIG_NOCOPY_REFERENCE stays undefined).
 * - Errors: the native call only records them (pending.i); the hand-written Go layer
 *   runs each call with the goroutine locked to its OS thread and then fetches the
 *   pending error (Take_pending_status / Pending_detail) as a *z4ai.Error value.
 */
%include "../pending.i"

%define Z4AI_GO_BUFFER(PTR, SIZE)
%typemap(gotype) (PTR, size_t SIZE) "[]byte"
%typemap(in) (PTR, size_t SIZE) %{
    $1 = ($1_ltype)$input.array;
    $2 = (size_t)$input.len;
%}
%enddef
Z4AI_GO_BUFFER(const void* Z4AI_IN, Z4AI_IN_SIZE)
Z4AI_GO_BUFFER(void* Z4AI_OUT, Z4AI_OUT_CAP)

/* The container Reader proxy is NativeReader in Go: NewReader is the package's
 * io.Reader constructor. The Go API over it is z4ai.Container (container.go). */
%rename(NativeReader) z4ai_swig_reader;
/* Likewise the archive proxy: the Go API over it is z4ai.Archive (archive.go). */
%rename(NativeArchive) z4ai_swig_archive;
