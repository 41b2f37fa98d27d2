/*
 * z4ai_container.i - containers (.safetensors <-> .zstn), model deltas (.z4dm) and the
 * random-access TensorReader, for every language. %included by z4ai.i after the core API;
 * same rules (pending error -> exception, int64 sizes, per-field accessors instead of
 * structs). The second input buffer of model deltas (Z4AI_BASE) is %apply'd to the
 * Z4AI_IN typemaps in z4ai.i, so languages need no new typemap.
 */

%{
/* TensorReader proxy (not "Reader": the Go package has an io.Reader of that name): the
 * reader plus owned copies made by open_memory_copy/attach_base_copy. */
typedef struct z4ai_swig_reader {
    z4ai_reader* r;
    void* mem_copy;
    void* base_copy;
    char* text; /* last header_json()/describe() result, owned here */
    void* source; /* a language's read-at source (open_source), freed by source_free */
    void (*source_free)(void*);
} TensorReader;

/* Replaces the language source the reader holds (after a successful open). */
static void z4ai_swig_reader_set_source(TensorReader* r, void* source, void (*source_free)(void*)) {
    if (r->source != NULL && r->source_free != NULL) r->source_free(r->source);
    r->source = source;
    r->source_free = source_free;
}

static int z4ai_swig_reader_ok(TensorReader* r) {
    if (r->r != NULL) return 1;
    z4ai_swig_fail(Z4AI_E_STAGE_WRONG, "reader is closed");
    return 0;
}
static int z4ai_swig_rchk(TensorReader* r, z4ai_status s) {
    if (s == Z4AI_OK) return 1;
    z4ai_swig_fail(s, z4ai_reader_last_error(r->r));
    return 0;
}
static int z4ai_swig_info(TensorReader* r, int64_t index, z4ai_tensor_info* info) {
    if (!z4ai_swig_reader_ok(r)) return 0;
    if (index < 0) {
        z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, "negative tensor index");
        return 0;
    }
    return z4ai_swig_rchk(r, z4ai_reader_tensor_info(r->r, (size_t)index, info));
}
/* Runs a size-query-then-fill JSON getter; the text is owned by the proxy (valid until
 * the next text call or close), "" on failure. */
typedef z4ai_status (*z4ai_swig_text_fn)(const z4ai_reader*, char*, size_t, size_t*);
static const char* z4ai_swig_reader_text(TensorReader* r, z4ai_swig_text_fn fn) {
    size_t need = 0;
    char* text;
    z4ai_status s;
    if (!z4ai_swig_reader_ok(r)) return "";
    s = fn(r->r, NULL, 0, &need);
    if (s != Z4AI_E_DST_TOO_SMALL) {
        z4ai_swig_rchk(r, s == Z4AI_OK ? Z4AI_E_INTERNAL : s);
        return "";
    }
    if ((text = (char*)malloc(need)) == NULL) {
        z4ai_swig_fail(Z4AI_E_MEMORY, "cannot allocate the text");
        return "";
    }
    if (!z4ai_swig_rchk(r, fn(r->r, text, need, &need))) {
        free(text);
        return "";
    }
    free(r->text);
    r->text = text;
    return text;
}
%}

/* ---- library level ------------------------------------------------------ */
%rename(detect_kind) z4ai_swig_detect_kind;
%rename(safetensors_compress_bound) z4ai_swig_safetensors_compress_bound;
%rename(container_content_size) z4ai_swig_container_content_size;
%inline %{
/** z4ai_kind of an input from its first bytes (at least 16, ideally 64) and total size. */
static int32_t z4ai_swig_detect_kind(const void* Z4AI_IN, size_t Z4AI_IN_SIZE, int64_t total_size) {
    int32_t kind = 0;
    z4ai_swig_chk(z4ai_detect_kind(Z4AI_IN, Z4AI_IN_SIZE, total_size < 0 ? 0 : (uint64_t)total_size, &kind));
    return kind;
}
/** Upper bound of the .zstn / .z4dm size for a .safetensors file (parses its header). */
static int64_t z4ai_swig_safetensors_compress_bound(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
    uint64_t b = 0;
    z4ai_swig_chk(z4ai_safetensors_compress_bound(Z4AI_IN, Z4AI_IN_SIZE, &b));
    return (int64_t)b;
}
/** Size of the .safetensors file a .zstn or .z4dm restores to. */
static int64_t z4ai_swig_container_content_size(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
    uint64_t s = 0;
    z4ai_swig_chk(z4ai_container_content_size(Z4AI_IN, Z4AI_IN_SIZE, &s));
    return (int64_t)s;
}
%}

/* ---- containers and model deltas on the contexts ------------------------ */
%extend z4ai_swig_cctx {
    /** .safetensors bytes -> .zstn written to the output (size it with
     *  safetensors_compress_bound); returns its size. */
    int64_t safetensors_compress(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        size_t written = 0;
        if (z4ai_swig_cctx_ok($self))
            z4ai_swig_cchk($self, z4ai_safetensors_compress($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, Z4AI_IN, Z4AI_IN_SIZE,
                                                            &written));
        return (int64_t)written;
    }
    /** File to file (atomic); returns the .zstn size. */
    int64_t safetensors_compress_file(const char* src_path, const char* dst_path) {
        uint64_t written = 0;
        if (z4ai_swig_cctx_ok($self))
            z4ai_swig_cchk($self, z4ai_safetensors_compress_file($self->ctx, src_path, dst_path, &written));
        return (int64_t)written;
    }
    /** Fine-tune .safetensors against its base -> .z4dm; returns its size. */
    int64_t model_delta_compress(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE,
                                 const void* Z4AI_BASE, size_t Z4AI_BASE_SIZE) {
        size_t written = 0;
        if (z4ai_swig_cctx_ok($self))
            z4ai_swig_cchk($self, z4ai_model_delta_compress($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, Z4AI_IN, Z4AI_IN_SIZE,
                                                            Z4AI_BASE, Z4AI_BASE_SIZE, &written));
        return (int64_t)written;
    }
    int64_t model_delta_compress_file(const char* src_path, const char* base_path, const char* dst_path) {
        uint64_t written = 0;
        if (z4ai_swig_cctx_ok($self))
            z4ai_swig_cchk($self, z4ai_model_delta_compress_file($self->ctx, src_path, base_path, dst_path, &written));
        return (int64_t)written;
    }
}

%extend z4ai_swig_dctx {
    /** .zstn -> the original .safetensors bytes; returns their size. */
    int64_t safetensors_decompress(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        size_t written = 0;
        if (z4ai_swig_dctx_ok($self))
            z4ai_swig_dchk($self, z4ai_safetensors_decompress($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, Z4AI_IN,
                                                              Z4AI_IN_SIZE, &written));
        return (int64_t)written;
    }
    int64_t safetensors_decompress_file(const char* src_path, const char* dst_path) {
        uint64_t written = 0;
        if (z4ai_swig_dctx_ok($self))
            z4ai_swig_dchk($self, z4ai_safetensors_decompress_file($self->ctx, src_path, dst_path, &written));
        return (int64_t)written;
    }
    /** .z4dm + its base -> the fine-tune's bytes; returns their size. */
    int64_t model_delta_decompress(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE,
                                   const void* Z4AI_BASE, size_t Z4AI_BASE_SIZE) {
        size_t written = 0;
        if (z4ai_swig_dctx_ok($self))
            z4ai_swig_dchk($self, z4ai_model_delta_decompress($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, Z4AI_IN,
                                                              Z4AI_IN_SIZE, Z4AI_BASE, Z4AI_BASE_SIZE, &written));
        return (int64_t)written;
    }
    int64_t model_delta_decompress_file(const char* src_path, const char* base_path, const char* dst_path) {
        uint64_t written = 0;
        if (z4ai_swig_dctx_ok($self))
            z4ai_swig_dchk($self,
                           z4ai_model_delta_decompress_file($self->ctx, src_path, base_path, dst_path, &written));
        return (int64_t)written;
    }
}

/* ---- random-access reader (TensorReader) -------------------------------- */
typedef struct z4ai_swig_reader {
} TensorReader;

%extend z4ai_swig_reader {
    /** New reader; set parameters (Z4AI_D_*), then open. */
    z4ai_swig_reader() {
        TensorReader* r = (TensorReader*)calloc(1, sizeof(TensorReader));
        if (r == NULL || (r->r = z4ai_reader_create()) == NULL) {
            free(r);
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot create a reader");
            return NULL;
        }
        return r;
    }
    ~z4ai_swig_reader() {
        z4ai_reader_free($self->r);
        z4ai_swig_reader_set_source($self, NULL, NULL);
        free($self->mem_copy);
        free($self->base_copy);
        free($self->text);
        free($self);
    }
    /** Frees the native reader now (idempotent). */
    void close() {
        z4ai_reader_free($self->r);
        $self->r = NULL;
        z4ai_swig_reader_set_source($self, NULL, NULL);
        free($self->mem_copy);
        $self->mem_copy = NULL;
        free($self->base_copy);
        $self->base_copy = NULL;
        free($self->text);
        $self->text = NULL;
    }
    void set_param(int32_t param, int64_t value) {
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_set_param($self->r, param, value));
    }
    /** Opens a .zstn, .z4dm or .safetensors file (read with pread, nothing loaded up front). */
    void open_file(const char* path) {
        if (z4ai_swig_reader_ok($self) && z4ai_swig_rchk($self, z4ai_reader_open_file($self->r, path)))
            z4ai_swig_reader_set_source($self, NULL, NULL);
    }
    /** Opens an in-memory input; the bytes are copied and owned by the reader. */
    void open_memory_copy(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        void* copy;
        if (!z4ai_swig_reader_ok($self)) return;
        copy = malloc(Z4AI_IN_SIZE ? Z4AI_IN_SIZE : 1);
        if (copy == NULL) {
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot copy the input");
            return;
        }
        memcpy(copy, Z4AI_IN, Z4AI_IN_SIZE);
        if (z4ai_swig_rchk($self, z4ai_reader_open_memory($self->r, copy, Z4AI_IN_SIZE))) {
            free($self->mem_copy);
            $self->mem_copy = copy;
            z4ai_swig_reader_set_source($self, NULL, NULL);
        } else {
            free(copy);
        }
    }
#ifdef Z4AI_SWIG_NOCOPY_REFERENCE
    /** Opens an in-memory input without a copy: the caller keeps it alive and pinned
     *  while the reader is open. */
    void open_memory(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        if (z4ai_swig_reader_ok($self) &&
            z4ai_swig_rchk($self, z4ai_reader_open_memory($self->r, Z4AI_IN, Z4AI_IN_SIZE)))
            z4ai_swig_reader_set_source($self, NULL, NULL);
    }
    /** Model delta: its base .safetensors, without a copy (kept alive by the caller). */
    void attach_base(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_attach_base($self->r, Z4AI_IN, Z4AI_IN_SIZE));
    }
#endif
    /** Model delta: its base .safetensors bytes, copied and owned by the reader. */
    void attach_base_copy(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        void* copy;
        if (!z4ai_swig_reader_ok($self)) return;
        copy = malloc(Z4AI_IN_SIZE ? Z4AI_IN_SIZE : 1);
        if (copy == NULL) {
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot copy the base");
            return;
        }
        memcpy(copy, Z4AI_IN, Z4AI_IN_SIZE);
        if (z4ai_swig_rchk($self, z4ai_reader_attach_base($self->r, copy, Z4AI_IN_SIZE))) {
            free($self->base_copy);
            $self->base_copy = copy;
        } else {
            free(copy);
        }
    }
    /** Model delta: its base as another open reader (which must stay open). */
    void attach_base_reader(struct z4ai_swig_reader* base) {
        if (!z4ai_swig_reader_ok($self)) return;
        if (base == NULL || base->r == NULL) {
            z4ai_swig_fail(Z4AI_E_INVALID_ARGUMENT, "base reader is closed");
            return;
        }
        z4ai_swig_rchk($self, z4ai_reader_attach_base_reader($self->r, base->r));
    }
    /** z4ai_kind of the open input. */
    int32_t kind() {
        int32_t k = 0;
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_kind($self->r, &k));
        return k;
    }
    int64_t tensor_count() {
        size_t n = 0;
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_tensor_count($self->r, &n));
        return (int64_t)n;
    }
    /** Index of the tensor called name (raises Z4AI_E_NOT_FOUND). */
    int64_t find(const char* name) {
        size_t i = 0;
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_find($self->r, name, &i));
        return (int64_t)i;
    }
    const char* tensor_name(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_info($self, index, &info) ? info.name : "";
    }
    int32_t tensor_dtype(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_info($self, index, &info) ? info.dtype : 0;
    }
    /** z4ai_tensor_method: Z4AI_TENSOR_FRAME, _SAME, _BASE_COPY, _BASE_DELTA, _EMPTY, _RAW. */
    int32_t tensor_method(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_info($self, index, &info) ? info.method : 0;
    }
    /** The tensor a SAME / BASE_COPY / BASE_DELTA tensor refers to. */
    int64_t tensor_ref(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_info($self, index, &info) ? (int64_t)info.ref : 0;
    }
    int64_t tensor_ndim(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_info($self, index, &info) ? (int64_t)info.ndim : 0;
    }
    int64_t tensor_dim(int64_t index, int64_t axis) {
        z4ai_tensor_info info;
        if (!z4ai_swig_info($self, index, &info)) return 0;
        if (axis < 0 || (uint64_t)axis >= info.ndim || axis >= 8) {
            z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, "axis out of range");
            return 0;
        }
        return (int64_t)info.dims[axis];
    }
    int64_t tensor_nbytes(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_info($self, index, &info) ? (int64_t)info.nbytes : 0;
    }
    int64_t tensor_data_offset(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_info($self, index, &info) ? (int64_t)info.data_offset : 0;
    }
    int64_t tensor_stored_size(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_info($self, index, &info) ? (int64_t)info.stored_size : 0;
    }
    /** Decodes tensor index into the output; returns its size. */
    int64_t read_tensor(int64_t index, void* Z4AI_OUT, size_t Z4AI_OUT_CAP) {
        size_t written = 0;
        if (!z4ai_swig_reader_ok($self)) return 0;
        if (index < 0) {
            z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, "negative tensor index");
            return 0;
        }
        z4ai_swig_rchk($self, z4ai_reader_read_tensor($self->r, (size_t)index, Z4AI_OUT, Z4AI_OUT_CAP, &written));
        return (int64_t)written;
    }
    /** Input bytes a read of tensor index touches: offset and size (size 0: none). */
    int64_t tensor_extent_offset(int64_t index) {
        uint64_t off = 0, n = 0;
        if (!z4ai_swig_reader_ok($self)) return 0;
        if (index < 0) {
            z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, "negative tensor index");
            return 0;
        }
        z4ai_swig_rchk($self, z4ai_reader_tensor_extent($self->r, (size_t)index, &off, &n));
        return (int64_t)off;
    }
    int64_t tensor_extent_size(int64_t index) {
        uint64_t off = 0, n = 0;
        if (!z4ai_swig_reader_ok($self)) return 0;
        if (index < 0) {
            z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, "negative tensor index");
            return 0;
        }
        z4ai_swig_rchk($self, z4ai_reader_tensor_extent($self->r, (size_t)index, &off, &n));
        return (int64_t)n;
    }
    /** Decodes tensor index into the output from input bytes the caller fetched (the
     *  input buffer holds input bytes from stored_offset on and covers the tensor's
     *  extent); returns its size. The reader's input is not read. */
    int64_t read_tensor_from(int64_t index, const void* Z4AI_IN, size_t Z4AI_IN_SIZE, int64_t stored_offset,
                             void* Z4AI_OUT, size_t Z4AI_OUT_CAP) {
        size_t written = 0;
        if (!z4ai_swig_reader_ok($self)) return 0;
        if (index < 0 || stored_offset < 0) {
            z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, "negative tensor index or offset");
            return 0;
        }
        z4ai_swig_rchk($self, z4ai_reader_read_tensor_from($self->r, (size_t)index, Z4AI_IN, Z4AI_IN_SIZE,
                                                           (uint64_t)stored_offset, Z4AI_OUT, Z4AI_OUT_CAP,
                                                           &written));
        return (int64_t)written;
    }
    /** Decodes elements [first, first + count) of tensor index; returns the bytes written. */
    int64_t read_elements(int64_t index, int64_t first, int64_t count, void* Z4AI_OUT, size_t Z4AI_OUT_CAP) {
        size_t written = 0;
        if (!z4ai_swig_reader_ok($self)) return 0;
        if (index < 0 || first < 0 || count < 0) {
            z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, "negative index, first or count");
            return 0;
        }
        z4ai_swig_rchk($self, z4ai_reader_read_elements($self->r, (size_t)index, (uint64_t)first, (uint64_t)count,
                                                        Z4AI_OUT, Z4AI_OUT_CAP, &written));
        return (int64_t)written;
    }
    /** The original safetensors header JSON (with __metadata__ and padding). */
    const char* header_json() { return z4ai_swig_reader_text($self, z4ai_reader_header_json); }
    /** JSON description: kind, sizes, and per tensor name, dtype, shape, method, stored size. */
    const char* describe() { return z4ai_swig_reader_text($self, z4ai_reader_describe); }
    /** Size of the .safetensors file the input restores to. */
    int64_t file_size() {
        uint64_t s = 0;
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_file_size($self->r, &s));
        return (int64_t)s;
    }
    /** Restores the whole .safetensors file into the output; returns its size. */
    int64_t restore(void* Z4AI_OUT, size_t Z4AI_OUT_CAP) {
        size_t written = 0;
        if (z4ai_swig_reader_ok($self))
            z4ai_swig_rchk($self, z4ai_reader_restore($self->r, Z4AI_OUT, Z4AI_OUT_CAP, &written));
        return (int64_t)written;
    }
    /** Restores the whole .safetensors file into a file (atomically). */
    void restore_file(const char* dst_path) {
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_restore_file($self->r, dst_path));
    }
    /** Read calls / bytes the input has served since it was opened. */
    int64_t io_calls() {
        uint64_t calls = 0, bytes = 0;
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_io_stats($self->r, &calls, &bytes));
        return (int64_t)calls;
    }
    int64_t io_bytes() {
        uint64_t calls = 0, bytes = 0;
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_io_stats($self->r, &calls, &bytes));
        return (int64_t)bytes;
    }
    const char* last_error() { return $self->r ? z4ai_reader_last_error($self->r) : ""; }
}

#if defined(SWIGPYTHON)
%include "python/container.i"
#endif
