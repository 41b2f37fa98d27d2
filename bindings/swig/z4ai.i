/*
 * z4ai.i - the one SWIG interface of z4ai's C ABI, shared by every language
 * (Python, Java, Go, C#). GDAL-style layout: this file declares the API once;
 * each language adds only bindings/swig/<lang>/typemaps.i, which supplies
 *
 *   1. the buffer typemaps for the argument patterns named below
 *        (const void* Z4AI_IN,  size_t Z4AI_IN_SIZE)   read-only input, held for the call
 *        (void*       Z4AI_OUT, size_t Z4AI_OUT_CAP)   caller's writable output buffer
 *   2. %exception: clear the pending error, run $action, and if
 *      z4ai_swig_err.status != 0 raise the language's error type carrying
 *      z4ai_swig_err.status, z4ai_status_name(status) (the pinned name, e.g.
 *      "Z4AI_E_CORRUPT") and z4ai_swig_err.detail (the context's last-error text);
 *   3. optionally #define Z4AI_SWIG_NOCOPY_REFERENCE when the language can keep
 *      a buffer pinned after the call returns (it then gets ref_reference()).
 *
 * Design rules, so the four languages look alike and need few typemaps:
 *  - Every wrapped call reports failure through the thread-local pending error
 *    (set by z4ai_swig_fail), never through its return value, so the return type is
 *    the natural one: void, int64_t sizes (never size_t/uint64_t: Java and C# map
 *    those badly), int32_t codes, const char* text.
 *  - Sizes and positions are int64_t. An unknown content size is
 *    Z4AI_SWIG_CONTENT_SIZE_UNKNOWN (-1).
 *  - Contexts are opaque proxy classes CCtx / DCtx that own a z4ai_cctx/z4ai_dctx
 *    (freed by the destructor; close() frees early and is idempotent). Streaming
 *    positions are kept on the proxy (last_src_pos/last_dst_pos) instead of in/out
 *    pointer arguments.
 *  - Shapes are set dimension by dimension (clear_shape/append_shape_dim) and read
 *    back by index (frame_ndim/frame_dim), so no language needs an array typemap.
 *  - The raw C functions themselves are not wrapped (they are all renamed away
 *    below); enum and macro constants of z4ai.h are, so values added to the header
 *    later appear in every binding without touching this file.
 *
 * Module name: z4ai_swig (pass -module to SWIG to change it, e.g. for Go).
 */
%module z4ai_swig

%{
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "z4ai.h"

#if defined(_MSC_VER)
#define Z4AI_SWIG_TLS __declspec(thread)
#else
#define Z4AI_SWIG_TLS __thread
#endif

/* Pending error of the last wrapped call on this thread (0 = none). */
typedef struct {
    int32_t status;
    char detail[512];
} z4ai_swig_error_t;
static Z4AI_SWIG_TLS z4ai_swig_error_t z4ai_swig_err;

static void z4ai_swig_clear_error(void) {
    z4ai_swig_err.status = 0;
    z4ai_swig_err.detail[0] = '\0';
}

/* Records a failure (status < 0) with its detail text; returns status. */
static int32_t z4ai_swig_fail(int32_t status, const char* detail) {
    z4ai_swig_err.status = status;
    if (detail == NULL || detail[0] == '\0') detail = z4ai_status_name(status);
    strncpy(z4ai_swig_err.detail, detail, sizeof(z4ai_swig_err.detail) - 1);
    z4ai_swig_err.detail[sizeof(z4ai_swig_err.detail) - 1] = '\0';
    return status;
}

#define Z4AI_SWIG_CONTENT_SIZE_UNKNOWN (-1)

/* The proxies: a context plus what the bindings need next to it. */
typedef struct z4ai_swig_cctx {
    z4ai_cctx* ctx;
    void* ref_copy;   /* owned copy made by set_reference() */
    int64_t src_pos;  /* bytes consumed by the last compress_stream call */
    int64_t dst_pos;  /* bytes produced by the last compress_stream call */
    uint64_t dims[8];
    size_t ndim;
} CCtx;

typedef struct z4ai_swig_dctx {
    z4ai_dctx* ctx;
    void* ref_copy;
    int64_t src_pos;
    int64_t dst_pos;
} DCtx;

static int z4ai_swig_cctx_ok(CCtx* c) {
    if (c->ctx != NULL) return 1;
    z4ai_swig_fail(Z4AI_E_STAGE_WRONG, "compression context is closed");
    return 0;
}
static int z4ai_swig_dctx_ok(DCtx* d) {
    if (d->ctx != NULL) return 1;
    z4ai_swig_fail(Z4AI_E_STAGE_WRONG, "decompression context is closed");
    return 0;
}
/* Status of a call on a context: records the context's detail text on failure. */
static int z4ai_swig_cchk(CCtx* c, z4ai_status s) {
    if (s == Z4AI_OK) return 1;
    z4ai_swig_fail(s, z4ai_cctx_last_error(c->ctx));
    return 0;
}
static int z4ai_swig_dchk(DCtx* d, z4ai_status s) {
    if (s == Z4AI_OK) return 1;
    z4ai_swig_fail(s, z4ai_dctx_last_error(d->ctx));
    return 0;
}
static int z4ai_swig_chk(z4ai_status s) {
    if (s == Z4AI_OK) return 1;
    z4ai_swig_fail(s, NULL);
    return 0;
}
/* Copies [p, p+n) into *slot (replacing what was there); NULL/0 clears it. */
static int z4ai_swig_own_copy(void** slot, const void* p, size_t n) {
    void* copy = NULL;
    if (p != NULL && n > 0) {
        copy = malloc(n);
        if (copy == NULL) {
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot copy the reference");
            return 0;
        }
        memcpy(copy, p, n);
    }
    free(*slot);
    *slot = copy;
    return 1;
}
%}

%include "stdint.i"

/* ---- per-language layer ------------------------------------------------- */
#if defined(SWIGPYTHON)
%include "python/typemaps.i"
#elif defined(SWIGJAVA)
%include "java/typemaps.i"
#elif defined(SWIGGO)
%include "go/typemaps.i"
#elif defined(SWIGCSHARP)
%include "csharp/typemaps.i"
#else
#error "z4ai.i: no typemaps for this SWIG target language (add bindings/swig/<lang>/typemaps.i)"
#endif

/* A second input buffer (model deltas) uses the Z4AI_IN typemaps: no new typemap per
 * language. Applied before the classes so that every method sees it. */
%apply (const void* Z4AI_IN, size_t Z4AI_IN_SIZE) { (const void* Z4AI_BASE, size_t Z4AI_BASE_SIZE) };

/* ---- constants of z4ai.h (enums and macros); its functions are not wrapped -- */
%rename("$ignore", regexmatch$name="^z4ai_", %$isfunction) "";
%ignore z4ai_in_buffer;
%ignore z4ai_out_buffer;
%ignore z4ai_tensor_info; /* containers: read through Reader's per-field accessors */
%ignore z4ai_read_at_fn;
%ignore z4ai_member_info; /* archives: read through Archive's per-field accessors */
%ignore z4ai_progress_fn;
%ignore Z4AI_CONTENT_SIZE_UNKNOWN; /* UINT64_MAX: use Z4AI_SWIG_CONTENT_SIZE_UNKNOWN */
#define Z4AI_API
%include "z4ai.h"
#define Z4AI_SWIG_CONTENT_SIZE_UNKNOWN (-1)

/* ---- library-level functions -------------------------------------------- */
%rename(version_number) z4ai_swig_version_number;
%rename(version_string) z4ai_swig_version_string;
%rename(status_name) z4ai_swig_status_name;
%rename(dtype_width) z4ai_swig_dtype_width;
%rename(dtype_name) z4ai_swig_dtype_name;
%rename(dtype_from_name) z4ai_swig_dtype_from_name;
%rename(effort_from_name) z4ai_swig_effort_from_name;
%rename(cparam_lower) z4ai_swig_cparam_lower;
%rename(cparam_upper) z4ai_swig_cparam_upper;
%rename(dparam_lower) z4ai_swig_dparam_lower;
%rename(dparam_upper) z4ai_swig_dparam_upper;
%rename(compress_bound) z4ai_swig_compress_bound;
%rename(frame_content_size) z4ai_swig_frame_content_size;
%rename(frame_compressed_size) z4ai_swig_frame_compressed_size;
%rename(frame_dtype) z4ai_swig_frame_dtype;
%rename(frame_ndim) z4ai_swig_frame_ndim;
%rename(frame_dim) z4ai_swig_frame_dim;
%rename(frame_describe) z4ai_swig_frame_describe;
%newobject z4ai_swig_frame_describe;

%inline %{
/** Z4AI_VERSION_NUMBER of the loaded library. */
static int64_t z4ai_swig_version_number(void) { return (int64_t)z4ai_version_number(); }
/** "MAJOR.MINOR.PATCH" of the loaded library. */
static const char* z4ai_swig_version_string(void) { return z4ai_version_string(); }
/** Pinned name of a status code ("Z4AI_E_CORRUPT", ...). */
static const char* z4ai_swig_status_name(int32_t status) { return z4ai_status_name(status); }
/** Element width in bytes of a dtype code; raises Z4AI_E_DTYPE_UNKNOWN if unknown. */
static int64_t z4ai_swig_dtype_width(int32_t dtype) {
    size_t w = z4ai_dtype_width(dtype);
    if (w == 0) z4ai_swig_fail(Z4AI_E_DTYPE_UNKNOWN, "unknown dtype code");
    return (int64_t)w;
}
/** Canonical dtype name; raises Z4AI_E_DTYPE_UNKNOWN if unknown. */
static const char* z4ai_swig_dtype_name(int32_t dtype) {
    const char* n = z4ai_dtype_name(dtype);
    if (n == NULL) {
        z4ai_swig_fail(Z4AI_E_DTYPE_UNKNOWN, "unknown dtype code");
        return "";
    }
    return n;
}
/** dtype code of a name or alias ("bf16", "bfloat16", "float32", ...). */
static int32_t z4ai_swig_dtype_from_name(const char* name) {
    int32_t d = 0;
    if (name == NULL) {
        z4ai_swig_fail(Z4AI_E_INVALID_ARGUMENT, "dtype name is NULL");
        return 0;
    }
    if (z4ai_dtype_from_name(name, &d) != Z4AI_OK) z4ai_swig_fail(Z4AI_E_DTYPE_UNKNOWN, name);
    return d;
}
/** z4ai_effort of "fast", "default" or "max"; raises Z4AI_E_PARAM_OUT_OF_BOUNDS otherwise. */
static int32_t z4ai_swig_effort_from_name(const char* name) {
    int32_t e = 0;
    z4ai_status s = z4ai_effort_from_name(name, &e);
    if (s != Z4AI_OK) z4ai_swig_fail(s, "effort: expected fast, default or max");
    return e;
}
static int64_t z4ai_swig_cparam_lower(int32_t param) {
    int64_t lo = 0, hi = 0;
    z4ai_swig_chk(z4ai_cparam_bounds(param, &lo, &hi));
    return lo;
}
static int64_t z4ai_swig_cparam_upper(int32_t param) {
    int64_t lo = 0, hi = 0;
    z4ai_swig_chk(z4ai_cparam_bounds(param, &lo, &hi));
    return hi;
}
static int64_t z4ai_swig_dparam_lower(int32_t param) {
    int64_t lo = 0, hi = 0;
    z4ai_swig_chk(z4ai_dparam_bounds(param, &lo, &hi));
    return lo;
}
static int64_t z4ai_swig_dparam_upper(int32_t param) {
    int64_t lo = 0, hi = 0;
    z4ai_swig_chk(z4ai_dparam_bounds(param, &lo, &hi));
    return hi;
}
/** Worst-case frame size for src_size input bytes. */
static int64_t z4ai_swig_compress_bound(int64_t src_size) {
    size_t b = src_size < 0 ? 0 : z4ai_compress_bound((uint64_t)src_size);
    if (b == 0 || b > (size_t)INT64_MAX) {
        z4ai_swig_fail(Z4AI_E_SRC_TOO_LARGE, "input too large for one frame");
        return 0;
    }
    return (int64_t)b;
}
/** Content size of the frame at the start of the buffer; -1 if a streamed frame's
 *  header did not record it (only possible with a prefix of the frame). */
static int64_t z4ai_swig_frame_content_size(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
    uint64_t s = 0;
    if (!z4ai_swig_chk(z4ai_frame_content_size(Z4AI_IN, Z4AI_IN_SIZE, &s))) return 0;
    if (s == Z4AI_CONTENT_SIZE_UNKNOWN) return Z4AI_SWIG_CONTENT_SIZE_UNKNOWN;
    if (s > (uint64_t)INT64_MAX) {
        z4ai_swig_fail(Z4AI_E_SRC_TOO_LARGE, "content size does not fit int64");
        return 0;
    }
    return (int64_t)s;
}
/** Byte length of the complete frame at the start of the buffer. */
static int64_t z4ai_swig_frame_compressed_size(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
    size_t s = 0;
    z4ai_swig_chk(z4ai_frame_compressed_size(Z4AI_IN, Z4AI_IN_SIZE, &s));
    return (int64_t)s;
}
/** dtype code recorded in the frame header. */
static int32_t z4ai_swig_frame_dtype(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
    int32_t d = 0;
    z4ai_swig_chk(z4ai_frame_dtype(Z4AI_IN, Z4AI_IN_SIZE, &d));
    return d;
}
/** Rank of the shape recorded in the frame (0 = none recorded). */
static int64_t z4ai_swig_frame_ndim(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
    size_t ndim = 0;
    z4ai_swig_chk(z4ai_frame_shape(Z4AI_IN, Z4AI_IN_SIZE, NULL, 0, &ndim));
    return (int64_t)ndim;
}
/** Dimension i of the shape recorded in the frame. */
static int64_t z4ai_swig_frame_dim(const void* Z4AI_IN, size_t Z4AI_IN_SIZE, int64_t i) {
    uint64_t dims[8];
    size_t ndim = 0;
    if (!z4ai_swig_chk(z4ai_frame_shape(Z4AI_IN, Z4AI_IN_SIZE, dims, 8, &ndim))) return 0;
    if (i < 0 || (size_t)i >= ndim || i >= 8) {
        z4ai_swig_fail(Z4AI_E_INVALID_ARGUMENT, "dimension index out of range");
        return 0;
    }
    return (int64_t)dims[i];
}
/** JSON description of a complete frame (header and per-chunk breakdown). */
static char* z4ai_swig_frame_describe(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
    size_t need = 0;
    char* text;
    z4ai_status s = z4ai_frame_describe(Z4AI_IN, Z4AI_IN_SIZE, NULL, 0, &need);
    if (s != Z4AI_E_DST_TOO_SMALL) {
        z4ai_swig_chk(s == Z4AI_OK ? Z4AI_E_INTERNAL : s);
        return NULL;
    }
    text = (char*)malloc(need);
    if (text == NULL) {
        z4ai_swig_fail(Z4AI_E_MEMORY, "cannot allocate the description");
        return NULL;
    }
    s = z4ai_frame_describe(Z4AI_IN, Z4AI_IN_SIZE, text, need, &need);
    if (!z4ai_swig_chk(s)) {
        free(text);
        return NULL;
    }
    return text;
}
%}

/* ---- compression context ------------------------------------------------ */
typedef struct z4ai_swig_cctx {
} CCtx;

%extend z4ai_swig_cctx {
    /** New compression context with default parameters. */
    z4ai_swig_cctx() {
        CCtx* c = (CCtx*)calloc(1, sizeof(CCtx));
        if (c == NULL || (c->ctx = z4ai_cctx_create()) == NULL) {
            free(c);
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot create a compression context");
            return NULL;
        }
        return c;
    }
    ~z4ai_swig_cctx() {
        z4ai_cctx_free($self->ctx);
        free($self->ref_copy);
        free($self);
    }
    /** Frees the native context now (idempotent); later calls raise Z4AI_E_STAGE_WRONG. */
    void close() {
        z4ai_cctx_free($self->ctx);
        $self->ctx = NULL;
        free($self->ref_copy);
        $self->ref_copy = NULL;
    }
    /** Sets a Z4AI_C_* parameter. */
    void set_param(int32_t param, int64_t value) {
        if (z4ai_swig_cctx_ok($self)) z4ai_swig_cchk($self, z4ai_cctx_set_param($self->ctx, param, value));
    }
    /** Current value of a Z4AI_C_* parameter. */
    int64_t get_param(int32_t param) {
        int64_t v = 0;
        if (z4ai_swig_cctx_ok($self)) z4ai_swig_cchk($self, z4ai_cctx_get_param($self->ctx, param, &v));
        return v;
    }
    /** Forgets the tensor shape to record. */
    void clear_shape() {
        $self->ndim = 0;
        if (z4ai_swig_cctx_ok($self)) z4ai_swig_cchk($self, z4ai_cctx_set_shape($self->ctx, NULL, 0));
    }
    /** Appends one dimension to the tensor shape recorded in the next frames (at most 8). */
    void append_shape_dim(int64_t dim) {
        if (!z4ai_swig_cctx_ok($self)) return;
        if (dim < 0 || $self->ndim >= 8) {
            z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, dim < 0 ? "negative dimension" : "more than 8 dimensions");
            return;
        }
        $self->dims[$self->ndim] = (uint64_t)dim;
        if (z4ai_swig_cchk($self, z4ai_cctx_set_shape($self->ctx, $self->dims, $self->ndim + 1))) $self->ndim++;
    }
    /** Content size of the next streamed frame (lets its header record it). */
    void set_pledged_size(int64_t size) {
        if (!z4ai_swig_cctx_ok($self)) return;
        if (size < 0) {
            z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, "negative pledged size");
            return;
        }
        z4ai_swig_cchk($self, z4ai_cctx_set_pledged_size($self->ctx, (uint64_t)size));
    }
    /** Compress against a reference (checkpoint delta). The bytes are copied and owned by
     *  the context; an empty buffer clears the reference. */
    void set_reference(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        if (!z4ai_swig_cctx_ok($self)) return;
        if (!z4ai_swig_own_copy(&$self->ref_copy, Z4AI_IN, Z4AI_IN_SIZE)) return;
        z4ai_swig_cchk($self, z4ai_cctx_ref_reference($self->ctx, $self->ref_copy, $self->ref_copy ? Z4AI_IN_SIZE : 0));
    }
#ifdef Z4AI_SWIG_NOCOPY_REFERENCE
    /** Like set_reference, without a copy: the caller keeps the buffer alive, pinned and
     *  unchanged until it is replaced or cleared, or the context is closed. */
    void ref_reference(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        if (!z4ai_swig_cctx_ok($self)) return;
        free($self->ref_copy);
        $self->ref_copy = NULL;
        z4ai_swig_cchk($self, z4ai_cctx_ref_reference($self->ctx, Z4AI_IN_SIZE ? Z4AI_IN : NULL, Z4AI_IN_SIZE));
    }
#endif
    /** z4ai_reset_directive: Z4AI_RESET_SESSION / _PARAMETERS / _BOTH. */
    void reset(int32_t directive) {
        if (!z4ai_swig_cctx_ok($self)) return;
        if (z4ai_swig_cchk($self, z4ai_cctx_reset($self->ctx, directive)) && (directive & Z4AI_RESET_PARAMETERS)) {
            $self->ndim = 0;
            free($self->ref_copy);
            $self->ref_copy = NULL;
        }
    }
    /** Detail text of the context's last error ("" if none). */
    const char* last_error() { return $self->ctx ? z4ai_cctx_last_error($self->ctx) : ""; }
    /** Compresses the whole input into one frame written to the start of the output
     *  buffer (size it with compress_bound); returns the frame size. */
    int64_t compress(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        size_t written = 0;
        if (!z4ai_swig_cctx_ok($self)) return 0;
        z4ai_swig_cchk($self, z4ai_compress($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, Z4AI_IN, Z4AI_IN_SIZE, &written));
        return (int64_t)written;
    }
    /** One streaming step (end_op: Z4AI_CONTINUE / Z4AI_FLUSH / Z4AI_END). Reads from the
     *  start of the input buffer and writes to the start of the output buffer; afterwards
     *  last_src_pos() bytes were consumed and last_dst_pos() bytes produced. Returns the
     *  bytes still waiting to be written out (0 after Z4AI_END: the frame is complete). */
    int64_t compress_stream(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE,
                            int32_t end_op) {
        size_t dst_pos = 0, src_pos = 0, remaining = 0;
        $self->src_pos = 0;
        $self->dst_pos = 0;
        if (!z4ai_swig_cctx_ok($self)) return 0;
        z4ai_swig_cchk($self, z4ai_compress_stream_args($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, &dst_pos, Z4AI_IN,
                                                        Z4AI_IN_SIZE, &src_pos, end_op, &remaining));
        $self->src_pos = (int64_t)src_pos;
        $self->dst_pos = (int64_t)dst_pos;
        return (int64_t)remaining;
    }
    int64_t last_src_pos() { return $self->src_pos; }
    int64_t last_dst_pos() { return $self->dst_pos; }
    /** Recommended input size per streaming step. */
    int64_t stream_in_size() { return $self->ctx ? (int64_t)z4ai_cstream_in_size($self->ctx) : 0; }
}

/* ---- decompression context ---------------------------------------------- */
typedef struct z4ai_swig_dctx {
} DCtx;

%extend z4ai_swig_dctx {
    /** New decompression context with default parameters. */
    z4ai_swig_dctx() {
        DCtx* d = (DCtx*)calloc(1, sizeof(DCtx));
        if (d == NULL || (d->ctx = z4ai_dctx_create()) == NULL) {
            free(d);
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot create a decompression context");
            return NULL;
        }
        return d;
    }
    ~z4ai_swig_dctx() {
        z4ai_dctx_free($self->ctx);
        free($self->ref_copy);
        free($self);
    }
    /** Frees the native context now (idempotent); later calls raise Z4AI_E_STAGE_WRONG. */
    void close() {
        z4ai_dctx_free($self->ctx);
        $self->ctx = NULL;
        free($self->ref_copy);
        $self->ref_copy = NULL;
    }
    /** Sets a Z4AI_D_* parameter. */
    void set_param(int32_t param, int64_t value) {
        if (z4ai_swig_dctx_ok($self)) z4ai_swig_dchk($self, z4ai_dctx_set_param($self->ctx, param, value));
    }
    /** Current value of a Z4AI_D_* parameter. */
    int64_t get_param(int32_t param) {
        int64_t v = 0;
        if (z4ai_swig_dctx_ok($self)) z4ai_swig_dchk($self, z4ai_dctx_get_param($self->ctx, param, &v));
        return v;
    }
    /** Reference for decoding delta frames; copied and owned by the context. */
    void set_reference(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        if (!z4ai_swig_dctx_ok($self)) return;
        if (!z4ai_swig_own_copy(&$self->ref_copy, Z4AI_IN, Z4AI_IN_SIZE)) return;
        z4ai_swig_dchk($self, z4ai_dctx_ref_reference($self->ctx, $self->ref_copy, $self->ref_copy ? Z4AI_IN_SIZE : 0));
    }
#ifdef Z4AI_SWIG_NOCOPY_REFERENCE
    /** Like set_reference, without a copy (see CCtx.ref_reference). */
    void ref_reference(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        if (!z4ai_swig_dctx_ok($self)) return;
        free($self->ref_copy);
        $self->ref_copy = NULL;
        z4ai_swig_dchk($self, z4ai_dctx_ref_reference($self->ctx, Z4AI_IN_SIZE ? Z4AI_IN : NULL, Z4AI_IN_SIZE));
    }
#endif
    void reset(int32_t directive) {
        if (!z4ai_swig_dctx_ok($self)) return;
        if (z4ai_swig_dchk($self, z4ai_dctx_reset($self->ctx, directive)) && (directive & Z4AI_RESET_PARAMETERS)) {
            free($self->ref_copy);
            $self->ref_copy = NULL;
        }
    }
    const char* last_error() { return $self->ctx ? z4ai_dctx_last_error($self->ctx) : ""; }
    /** Decompresses exactly one complete frame into the output buffer; returns the
     *  content size. */
    int64_t decompress(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        size_t written = 0;
        if (!z4ai_swig_dctx_ok($self)) return 0;
        z4ai_swig_dchk($self, z4ai_decompress($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, Z4AI_IN, Z4AI_IN_SIZE, &written));
        return (int64_t)written;
    }
    /** Decodes content bytes [offset, offset + length) (clamped to the content) touching
     *  only the chunks that overlap it; returns the bytes written. */
    int64_t decompress_range(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE,
                             int64_t offset, int64_t length) {
        size_t written = 0;
        if (!z4ai_swig_dctx_ok($self)) return 0;
        if (offset < 0 || length < 0) {
            z4ai_swig_fail(Z4AI_E_INVALID_ARGUMENT, "negative offset or length");
            return 0;
        }
        z4ai_swig_dchk($self, z4ai_decompress_range($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, Z4AI_IN, Z4AI_IN_SIZE,
                                                    (uint64_t)offset, (uint64_t)length, &written));
        return (int64_t)written;
    }
    /** One streaming step: see CCtx.compress_stream. Returns 0 once the frame is fully
     *  decoded and written out, otherwise a hint > 0. Bytes past the frame's end are left
     *  unconsumed. */
    int64_t decompress_stream(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        size_t dst_pos = 0, src_pos = 0, remaining = 0;
        $self->src_pos = 0;
        $self->dst_pos = 0;
        if (!z4ai_swig_dctx_ok($self)) return 0;
        z4ai_swig_dchk($self, z4ai_decompress_stream_args($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, &dst_pos, Z4AI_IN,
                                                          Z4AI_IN_SIZE, &src_pos, &remaining));
        $self->src_pos = (int64_t)src_pos;
        $self->dst_pos = (int64_t)dst_pos;
        return (int64_t)remaining;
    }
    int64_t last_src_pos() { return $self->src_pos; }
    int64_t last_dst_pos() { return $self->dst_pos; }
    /** Recommended output size per streaming step. */
    int64_t stream_out_size() { return $self->ctx ? (int64_t)z4ai_dstream_out_size($self->ctx) : 0; }
}

/* ---- containers, model deltas and random access ------------------------- */
/* Two container layers were written side by side; until they are unified, Python's
 * package uses TensorReader (z4ai_container.i), Java/Go/C# use Reader (container.i).
 * Each SWIG module is generated for one language, so they never meet in one wrapper. */
#if defined(SWIGPYTHON)
%include "z4ai_container.i"
#else
%include "container.i"
#endif

/* ---- directory archives (every language) -------------------------------- */
%include "z4ai_archive.i"
