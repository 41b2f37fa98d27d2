/*
 * Python layer of z4ai.i: buffer-protocol typemaps, the error raise, GIL release.
 *
 * - Input buffers (Z4AI_IN): any C-contiguous object exporting the buffer protocol
 *   (bytes, bytearray, memoryview, array.array, numpy arrays, mmap). The view is held
 *   from before the call until after it (so a bytearray cannot be resized under the
 *   codec) and is never written to.
 * - Output buffers (Z4AI_OUT): a writable C-contiguous buffer; z4ai writes into it in
 *   place (no copy back).
 * - The GIL is released around every native call (-threads / %thread), after the
 *   arguments are converted and before errors are raised.
 * - Errors: set_error_factory(f) installs f(status, name, detail) -> exception
 *   instance (the z4ai package installs one building z4ai.Error subclasses);
 *   without it a RuntimeError("NAME: detail") is raised.
 */
%module(threads="1") z4ai_swig

/* Python can keep a buffer pinned (the wrapper layer holds a memoryview). */
#define Z4AI_SWIG_NOCOPY_REFERENCE

%{
static PyObject* z4ai_swig_error_factory = NULL;

static void z4ai_swig_raise(void) {
    int32_t status = z4ai_swig_err.status;
    const char* name = z4ai_status_name(status);
    if (z4ai_swig_error_factory != NULL) {
        PyObject* exc = PyObject_CallFunction(z4ai_swig_error_factory, "iss", (int)status, name,
                                              z4ai_swig_err.detail);
        if (exc == NULL) return; /* the factory raised: keep its exception */
        PyErr_SetObject((PyObject*)Py_TYPE(exc), exc);
        Py_DECREF(exc);
        return;
    }
    PyErr_Format(PyExc_RuntimeError, "%s: %s", name, z4ai_swig_err.detail);
}
%}

%exception {
    z4ai_swig_clear_error();
    $action
    if (z4ai_swig_err.status != 0) {
        z4ai_swig_raise();
        SWIG_fail;
    }
}

%typemap(in) (const void* Z4AI_IN, size_t Z4AI_IN_SIZE) (Py_buffer view, int held) {
    held = 0;
    if (PyObject_GetBuffer($input, &view, PyBUF_C_CONTIGUOUS) != 0) SWIG_fail;
    held = 1;
    $1 = view.buf;
    $2 = (size_t)view.len;
}
%typemap(freearg) (const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
    if (held$argnum) PyBuffer_Release(&view$argnum);
}
%typemap(typecheck, precedence=SWIG_TYPECHECK_POINTER) (const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
    $1 = PyObject_CheckBuffer($input) ? 1 : 0;
}

%typemap(in) (void* Z4AI_OUT, size_t Z4AI_OUT_CAP) (Py_buffer view, int held) {
    held = 0;
    if (PyObject_GetBuffer($input, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) != 0) SWIG_fail;
    held = 1;
    $1 = view.buf;
    $2 = (size_t)view.len;
}
%typemap(freearg) (void* Z4AI_OUT, size_t Z4AI_OUT_CAP) {
    if (held$argnum) PyBuffer_Release(&view$argnum);
}

/* Error factory hook, called once by the z4ai package at import. */
%exception z4ai_swig_set_error_factory;
%nothread z4ai_swig_set_error_factory;
%rename(set_error_factory) z4ai_swig_set_error_factory;
%inline %{
static void z4ai_swig_set_error_factory(PyObject* factory) {
    PyObject* old = z4ai_swig_error_factory;
    if (factory == Py_None) factory = NULL;
    Py_XINCREF(factory);
    z4ai_swig_error_factory = factory;
    Py_XDECREF(old);
}
%}

/* Python-only helpers that return a new bytes object written in place (no extra copy
 * of the result). The GIL stays released during the codec call; it is re-taken only
 * to allocate and trim the bytes object. A NULL return always comes with a pending
 * z4ai error, which %exception raises. */
%{
static PyObject* z4ai_swig_new_bytes(size_t n) {
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject* b = n > (size_t)PY_SSIZE_T_MAX ? NULL : PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
    if (b == NULL) PyErr_Clear();
    PyGILState_Release(g);
    if (b == NULL) z4ai_swig_fail(Z4AI_E_MEMORY, "cannot allocate the output bytes");
    return b;
}
/* Trims b to n bytes (n <= its size); drops it and returns NULL if ok is false. */
static PyObject* z4ai_swig_finish_bytes(PyObject* b, size_t n, int ok) {
    PyGILState_STATE g = PyGILState_Ensure();
    if (!ok) {
        Py_DECREF(b);
        b = NULL;
    } else if ((size_t)PyBytes_GET_SIZE(b) != n && _PyBytes_Resize(&b, (Py_ssize_t)n) != 0) {
        PyErr_Clear();
        b = NULL;
        z4ai_swig_fail(Z4AI_E_MEMORY, "cannot trim the output bytes");
    }
    PyGILState_Release(g);
    return b;
}
%}

%extend z4ai_swig_cctx {
    /** Compresses the input into one frame returned as bytes. */
    PyObject* compress_bytes(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        size_t cap, written = 0;
        PyObject* out;
        if (!z4ai_swig_cctx_ok($self)) return NULL;
        cap = z4ai_compress_bound(Z4AI_IN_SIZE);
        if (cap == 0) {
            z4ai_swig_fail(Z4AI_E_SRC_TOO_LARGE, "input too large for one frame");
            return NULL;
        }
        if ((out = z4ai_swig_new_bytes(cap)) == NULL) return NULL;
        return z4ai_swig_finish_bytes(out, written,
            z4ai_swig_cchk($self, z4ai_compress($self->ctx, PyBytes_AS_STRING(out), cap, Z4AI_IN, Z4AI_IN_SIZE,
                                                &written)));
    }
}

%extend z4ai_swig_dctx {
    /** Decompresses one complete frame of content_size bytes into a new bytes object. */
    PyObject* decompress_bytes(const void* Z4AI_IN, size_t Z4AI_IN_SIZE, int64_t content_size) {
        size_t written = 0;
        PyObject* out;
        size_t frame_size = 0;
        if (!z4ai_swig_dctx_ok($self)) return NULL;
        if (content_size < 0) {
            z4ai_swig_fail(Z4AI_E_INVALID_ARGUMENT, "negative content size");
            return NULL;
        }
        /* The footer must be there before the content size the header claims is allocated
         * (a 60-byte frame claiming 2^40 bytes is corrupt, not an allocation failure). */
        if (!z4ai_swig_chk(z4ai_frame_compressed_size(Z4AI_IN, Z4AI_IN_SIZE, &frame_size))) return NULL;
        if ((out = z4ai_swig_new_bytes((size_t)content_size)) == NULL) return NULL;
        return z4ai_swig_finish_bytes(out, written,
            z4ai_swig_dchk($self, z4ai_decompress($self->ctx, PyBytes_AS_STRING(out), (size_t)content_size,
                                                  Z4AI_IN, Z4AI_IN_SIZE, &written)));
    }
    /** Content bytes [offset, offset + length) as a new bytes object (length clamped). */
    PyObject* decompress_range_bytes(const void* Z4AI_IN, size_t Z4AI_IN_SIZE, int64_t offset, int64_t length) {
        size_t written = 0;
        PyObject* out;
        if (!z4ai_swig_dctx_ok($self)) return NULL;
        if (offset < 0 || length < 0) {
            z4ai_swig_fail(Z4AI_E_INVALID_ARGUMENT, "negative offset or length");
            return NULL;
        }
        if ((out = z4ai_swig_new_bytes((size_t)length)) == NULL) return NULL;
        return z4ai_swig_finish_bytes(out, written,
            z4ai_swig_dchk($self, z4ai_decompress_range($self->ctx, PyBytes_AS_STRING(out), (size_t)length,
                                                        Z4AI_IN, Z4AI_IN_SIZE, (uint64_t)offset,
                                                        (uint64_t)length, &written)));
    }
}

/* Trampolines for the C ABI callbacks (before any class: %extend bodies use them). */
%include "callbacks.i"
