/*
 * container.i - .safetensors <-> .zstn containers, model deltas (.z4dm) and random
 * access (z4ai_reader_*), for every language. %included at the end of z4ai.i and follows
 * its rules: failures go through the pending error, sizes and indices are int64_t, no
 * array typemaps (a tensor's fields are read one by one, dims by index), buffers use the
 * Z4AI_IN / Z4AI_OUT / Z4AI_BASE argument patterns, text is returned as const char*
 * owned by the proxy (every language copies it into its own string at once).
 *
 * Added here:
 *   functions  safetensors_compress_bound(IN), container_content_size(IN),
 *              detect_kind(IN, total_size)
 *   CCtx       safetensors_compress(OUT, IN), safetensors_compress_file(src, dst),
 *              model_delta_compress(OUT, IN, BASE), model_delta_compress_file(src, base, dst)
 *   DCtx       safetensors_decompress(OUT, IN), safetensors_decompress_file(src, dst),
 *              model_delta_decompress(OUT, IN, BASE), model_delta_decompress_file(...)
 *   Reader     proxy owning a z4ai_reader: open_memory (copies the input) / open_file,
 *              attach_base (copies), tensor_count, find, per-field tensor accessors
 *              (tensor_name, tensor_name_bytes, tensor_dtype, tensor_method, tensor_ndim,
 *              tensor_dim, tensor_ref, tensor_nbytes, tensor_data_offset,
 *              tensor_stored_size), read_tensor, read_elements, header_json, describe,
 *              file_size, restore, restore_file, io_calls / io_bytes.
 * With Z4AI_SWIG_NOCOPY_REFERENCE (languages that can keep a buffer pinned) Reader also
 * has ref_memory / ref_base, which keep the caller's buffer instead of a copy.
 *              tensor_extent_offset / tensor_extent_size, read_tensor_from (decode from
 *              input bytes the caller fetched: remote reads in any language).
 * z4ai_read_at_fn stays unwrapped; a language adds open_source over its own read-at
 * callable (bindings/swig/<lang>/container.i) and keeps it in Reader.source.
 */

%{
typedef struct z4ai_swig_reader {
    z4ai_reader* r;
    void* src_copy;  /* owned copy of the input (open_memory) */
    void* base_copy; /* owned copy of the model-delta base (attach_base) */
    char* text;      /* last header_json()/describe() result */
    void* source;    /* a language's read-at source (open_source), freed by source_free */
    void (*source_free)(void*);
    int64_t head_needed, tail_needed; /* from the last open_parts */
} Reader;

/* Replaces the language source the reader holds (after a successful open). */
static void z4ai_swig_reader_set_source(Reader* r, void* source, void (*source_free)(void*)) {
    if (r->source != NULL && r->source_free != NULL) r->source_free(r->source);
    r->source = source;
    r->source_free = source_free;
}

static int z4ai_swig_reader_ok(Reader* r) {
    if (r->r != NULL) return 1;
    z4ai_swig_fail(Z4AI_E_STAGE_WRONG, "reader is closed");
    return 0;
}
static int z4ai_swig_rchk(Reader* r, z4ai_status s) {
    if (s == Z4AI_OK) return 1;
    z4ai_swig_fail(s, z4ai_reader_last_error(r->r));
    return 0;
}
/* After a failed open: drop the copied input only if the reader has nothing open any
 * more (a failure before the old input was closed leaves it open and in use). */
static void z4ai_swig_reader_forget(Reader* r) {
    int32_t k = 0;
    if (z4ai_reader_kind(r->r, &k) == Z4AI_E_STAGE_WRONG) {
        free(r->src_copy);
        r->src_copy = NULL;
    }
}
/* Info of tensor `index` (0 with the error recorded if out of range). */
static int z4ai_swig_reader_info(Reader* r, int64_t index, z4ai_tensor_info* info) {
    if (!z4ai_swig_reader_ok(r)) return 0;
    if (index < 0) {
        z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, "negative tensor index");
        return 0;
    }
    return z4ai_swig_rchk(r, z4ai_reader_tensor_info(r->r, (size_t)index, info));
}
/* Runs a size-protocol text call (header_json / describe) into r->text. */
static const char* z4ai_swig_reader_text(Reader* r, z4ai_status (*fn)(const z4ai_reader*, char*, size_t, size_t*)) {
    size_t need = 0;
    z4ai_status s;
    char* t;
    if (!z4ai_swig_reader_ok(r)) return "";
    s = fn(r->r, NULL, 0, &need);
    if (s != Z4AI_E_DST_TOO_SMALL) {
        z4ai_swig_rchk(r, s == Z4AI_OK ? Z4AI_E_INTERNAL : s);
        return "";
    }
    t = (char*)malloc(need);
    if (t == NULL) {
        z4ai_swig_fail(Z4AI_E_MEMORY, "cannot allocate the text");
        return "";
    }
    if (!z4ai_swig_rchk(r, fn(r->r, t, need, &need))) {
        free(t);
        return "";
    }
    free(r->text);
    r->text = t;
    return t;
}
static int64_t z4ai_swig_u64(uint64_t v) {
    if (v > (uint64_t)INT64_MAX) {
        z4ai_swig_fail(Z4AI_E_SRC_TOO_LARGE, "value does not fit int64");
        return 0;
    }
    return (int64_t)v;
}
%}

/* ---- library-level container functions ---------------------------------- */
%rename(safetensors_compress_bound) z4ai_swig_safetensors_compress_bound;
%rename(container_content_size) z4ai_swig_container_content_size;
%rename(detect_kind) z4ai_swig_detect_kind;

%inline %{
/** Upper bound of the .zstn / .z4dm size for this .safetensors file (parses its header). */
static int64_t z4ai_swig_safetensors_compress_bound(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
    uint64_t b = 0;
    if (!z4ai_swig_chk(z4ai_safetensors_compress_bound(Z4AI_IN, Z4AI_IN_SIZE, &b))) return 0;
    return z4ai_swig_u64(b);
}
/** Size of the .safetensors file a .zstn or .z4dm restores to (reads its index). */
static int64_t z4ai_swig_container_content_size(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
    uint64_t s = 0;
    if (!z4ai_swig_chk(z4ai_container_content_size(Z4AI_IN, Z4AI_IN_SIZE, &s))) return 0;
    return z4ai_swig_u64(s);
}
/** z4ai_kind (Z4AI_KIND_*) of an input from its first bytes; total_size < 0 means the
 *  buffer is the whole input. */
static int32_t z4ai_swig_detect_kind(const void* Z4AI_IN, size_t Z4AI_IN_SIZE, int64_t total_size) {
    int32_t kind = 0;
    uint64_t total = total_size < 0 ? (uint64_t)Z4AI_IN_SIZE : (uint64_t)total_size;
    z4ai_swig_chk(z4ai_detect_kind(Z4AI_IN, Z4AI_IN_SIZE, total, &kind));
    return kind;
}
%}

/* ---- containers and model deltas on the contexts ------------------------ */
%extend z4ai_swig_cctx {
    /** .safetensors bytes -> .zstn container written to the output buffer (size it with
     *  safetensors_compress_bound); returns its size. */
    int64_t safetensors_compress(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        size_t written = 0;
        if (!z4ai_swig_cctx_ok($self)) return 0;
        z4ai_swig_cchk($self, z4ai_safetensors_compress($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, Z4AI_IN, Z4AI_IN_SIZE,
                                                        &written));
        return (int64_t)written;
    }
    /** File to file (atomic: a failure leaves no partial output); returns the .zstn size. */
    int64_t safetensors_compress_file(const char* src_path, const char* dst_path) {
        uint64_t written = 0;
        if (!z4ai_swig_cctx_ok($self)) return 0;
        if (!z4ai_swig_cchk($self, z4ai_safetensors_compress_file($self->ctx, src_path, dst_path, &written))) return 0;
        return (int64_t)written; /* a file size fits int64 */
    }
    /** Fine-tune .safetensors (input) against its base .safetensors -> .z4dm; returns its
     *  size. The bound is safetensors_compress_bound(input). */
    int64_t model_delta_compress(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE,
                                 const void* Z4AI_BASE, size_t Z4AI_BASE_SIZE) {
        size_t written = 0;
        if (!z4ai_swig_cctx_ok($self)) return 0;
        z4ai_swig_cchk($self, z4ai_model_delta_compress($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, Z4AI_IN, Z4AI_IN_SIZE,
                                                        Z4AI_BASE, Z4AI_BASE_SIZE, &written));
        return (int64_t)written;
    }
    int64_t model_delta_compress_file(const char* src_path, const char* base_path, const char* dst_path) {
        uint64_t written = 0;
        if (!z4ai_swig_cctx_ok($self)) return 0;
        if (!z4ai_swig_cchk($self,
                            z4ai_model_delta_compress_file($self->ctx, src_path, base_path, dst_path, &written)))
            return 0;
        return (int64_t)written; /* a file size fits int64 */
    }
}

%extend z4ai_swig_dctx {
    /** .zstn -> the original .safetensors bytes (size the output with
     *  container_content_size); returns the bytes written. */
    int64_t safetensors_decompress(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        size_t written = 0;
        if (!z4ai_swig_dctx_ok($self)) return 0;
        z4ai_swig_dchk($self, z4ai_safetensors_decompress($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, Z4AI_IN,
                                                          Z4AI_IN_SIZE, &written));
        return (int64_t)written;
    }
    int64_t safetensors_decompress_file(const char* src_path, const char* dst_path) {
        uint64_t written = 0;
        if (!z4ai_swig_dctx_ok($self)) return 0;
        if (!z4ai_swig_dchk($self, z4ai_safetensors_decompress_file($self->ctx, src_path, dst_path, &written)))
            return 0;
        return (int64_t)written; /* a file size fits int64 */
    }
    /** .z4dm + its base -> the fine-tune's bytes; a wrong base raises
     *  Z4AI_E_REFERENCE_MISMATCH. */
    int64_t model_delta_decompress(void* Z4AI_OUT, size_t Z4AI_OUT_CAP, const void* Z4AI_IN, size_t Z4AI_IN_SIZE,
                                   const void* Z4AI_BASE, size_t Z4AI_BASE_SIZE) {
        size_t written = 0;
        if (!z4ai_swig_dctx_ok($self)) return 0;
        z4ai_swig_dchk($self, z4ai_model_delta_decompress($self->ctx, Z4AI_OUT, Z4AI_OUT_CAP, Z4AI_IN,
                                                          Z4AI_IN_SIZE, Z4AI_BASE, Z4AI_BASE_SIZE, &written));
        return (int64_t)written;
    }
    int64_t model_delta_decompress_file(const char* src_path, const char* base_path, const char* dst_path) {
        uint64_t written = 0;
        if (!z4ai_swig_dctx_ok($self)) return 0;
        if (!z4ai_swig_dchk($self,
                            z4ai_model_delta_decompress_file($self->ctx, src_path, base_path, dst_path, &written)))
            return 0;
        return (int64_t)written; /* a file size fits int64 */
    }
}

/* ---- random access: Reader ---------------------------------------------- */
typedef struct z4ai_swig_reader {
} Reader;

%extend z4ai_swig_reader {
    /** New reader (nothing open). */
    z4ai_swig_reader() {
        Reader* r = (Reader*)calloc(1, sizeof(Reader));
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
        free($self->src_copy);
        free($self->base_copy);
        free($self->text);
        free($self);
    }
    /** Frees the native reader now (idempotent); later calls raise Z4AI_E_STAGE_WRONG. */
    void close() {
        z4ai_reader_free($self->r);
        $self->r = NULL;
        z4ai_swig_reader_set_source($self, NULL, NULL);
        free($self->src_copy);
        free($self->base_copy);
        free($self->text);
        $self->src_copy = $self->base_copy = NULL;
        $self->text = NULL;
    }
    /** Z4AI_D_THREADS, Z4AI_D_MAX_MEMORY, Z4AI_D_VERIFY_CHECKSUM, Z4AI_D_VERIFY_BASE. */
    void set_param(int32_t param, int64_t value) {
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_set_param($self->r, param, value));
    }
    const char* last_error() { return $self->r ? z4ai_reader_last_error($self->r) : ""; }
    /** Opens a .zstn, .z4dm or .safetensors held in memory (the bytes are copied). */
    void open_memory(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        void* copy;
        if (!z4ai_swig_reader_ok($self)) return;
        copy = malloc(Z4AI_IN_SIZE ? Z4AI_IN_SIZE : 1);
        if (copy == NULL) {
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot copy the input");
            return;
        }
        if (Z4AI_IN_SIZE) memcpy(copy, Z4AI_IN, Z4AI_IN_SIZE);
        if (!z4ai_swig_rchk($self, z4ai_reader_open_memory($self->r, copy, Z4AI_IN_SIZE))) {
            free(copy);
            z4ai_swig_reader_forget($self);
            return;
        }
        free($self->src_copy);
        $self->src_copy = copy;
        z4ai_swig_reader_set_source($self, NULL, NULL);
    }
#ifdef Z4AI_SWIG_NOCOPY_REFERENCE
    /** Like open_memory without a copy: the caller keeps the buffer alive, pinned and
     *  unchanged while the reader has it open. */
    void ref_memory(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        if (!z4ai_swig_reader_ok($self)) return;
        if (z4ai_swig_rchk($self, z4ai_reader_open_memory($self->r, Z4AI_IN, Z4AI_IN_SIZE))) {
            free($self->src_copy);
            $self->src_copy = NULL;
            z4ai_swig_reader_set_source($self, NULL, NULL);
        } else {
            z4ai_swig_reader_forget($self);
        }
    }
#endif
    /** Opens a file (memory-mapped or read with pread: only what is needed is read). */
    void open_file(const char* path) {
        if (!z4ai_swig_reader_ok($self)) return;
        if (z4ai_swig_rchk($self, z4ai_reader_open_file($self->r, path))) {
            free($self->src_copy);
            $self->src_copy = NULL;
            z4ai_swig_reader_set_source($self, NULL, NULL);
        } else {
            z4ai_swig_reader_forget($self);
        }
    }
    /** z4ai_kind (Z4AI_KIND_*) of the open input. */
    int32_t kind() {
        int32_t k = 0;
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_kind($self->r, &k));
        return k;
    }
    /** Model delta: the base .safetensors it was made against (copied). */
    void attach_base(const void* Z4AI_BASE, size_t Z4AI_BASE_SIZE) {
        void* copy;
        if (!z4ai_swig_reader_ok($self)) return;
        copy = malloc(Z4AI_BASE_SIZE ? Z4AI_BASE_SIZE : 1);
        if (copy == NULL) {
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot copy the base");
            return;
        }
        if (Z4AI_BASE_SIZE) memcpy(copy, Z4AI_BASE, Z4AI_BASE_SIZE);
        if (!z4ai_swig_rchk($self, z4ai_reader_attach_base($self->r, copy, Z4AI_BASE_SIZE))) {
            free(copy);
            return;
        }
        free($self->base_copy);
        $self->base_copy = copy;
    }
#ifdef Z4AI_SWIG_NOCOPY_REFERENCE
    /** Like attach_base without a copy (see ref_memory). */
    void ref_base(const void* Z4AI_BASE, size_t Z4AI_BASE_SIZE) {
        if (!z4ai_swig_reader_ok($self)) return;
        if (z4ai_swig_rchk($self, z4ai_reader_attach_base($self->r, Z4AI_BASE, Z4AI_BASE_SIZE))) {
            free($self->base_copy);
            $self->base_copy = NULL;
        }
    }
#endif
    int64_t tensor_count() {
        size_t n = 0;
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_tensor_count($self->r, &n));
        return (int64_t)n;
    }
    /** Index of the tensor whose UTF-8 name is the input bytes; raises Z4AI_E_NOT_FOUND. */
    int64_t find(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        size_t index = 0, n = 0, i;
        char* name;
        if (!z4ai_swig_reader_ok($self)) return 0;
        if (Z4AI_IN_SIZE == 0 || memchr(Z4AI_IN, 0, Z4AI_IN_SIZE) != NULL) {
            /* names with NUL escapes: compare the full names */
            z4ai_tensor_info info;
            if (!z4ai_swig_rchk($self, z4ai_reader_tensor_count($self->r, &n))) return 0;
            for (i = 0; i < n; i++) {
                if (!z4ai_swig_rchk($self, z4ai_reader_tensor_info($self->r, i, &info))) return 0;
                if (info.name_size == Z4AI_IN_SIZE && (Z4AI_IN_SIZE == 0 || memcmp(info.name, Z4AI_IN, Z4AI_IN_SIZE) == 0))
                    return (int64_t)i;
            }
            z4ai_swig_fail(Z4AI_E_NOT_FOUND, "no tensor of that name");
            return 0;
        }
        name = (char*)malloc(Z4AI_IN_SIZE + 1);
        if (name == NULL) {
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot copy the name");
            return 0;
        }
        memcpy(name, Z4AI_IN, Z4AI_IN_SIZE);
        name[Z4AI_IN_SIZE] = '\0';
        z4ai_swig_rchk($self, z4ai_reader_find($self->r, name, &index));
        free(name);
        return (int64_t)index;
    }
    /** Name of tensor `index` as text (stops at a NUL escape; see tensor_name_bytes). */
    const char* tensor_name(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_reader_info($self, index, &info) ? info.name : "";
    }
    /** Copies the UTF-8 bytes of the name (all name_size of them, NULs included) into the
     *  output buffer, as far as it holds them; returns the name's size in bytes. */
    int64_t tensor_name_bytes(int64_t index, void* Z4AI_OUT, size_t Z4AI_OUT_CAP) {
        z4ai_tensor_info info;
        if (!z4ai_swig_reader_info($self, index, &info)) return 0;
        if (Z4AI_OUT_CAP > 0) memcpy(Z4AI_OUT, info.name, info.name_size < Z4AI_OUT_CAP ? info.name_size : Z4AI_OUT_CAP);
        return (int64_t)info.name_size;
    }
    int64_t tensor_name_size(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_reader_info($self, index, &info) ? (int64_t)info.name_size : 0;
    }
    /** dtype code (Z4AI_DTYPE_*). */
    int32_t tensor_dtype(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_reader_info($self, index, &info) ? info.dtype : 0;
    }
    /** Storage method (Z4AI_TENSOR_EMPTY / _FRAME / _SAME / _BASE_COPY / _BASE_DELTA / _RAW). */
    int32_t tensor_method(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_reader_info($self, index, &info) ? info.method : 0;
    }
    /** Rank of the tensor (0 for a scalar). */
    int64_t tensor_ndim(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_reader_info($self, index, &info) ? (int64_t)info.ndim : 0;
    }
    /** Dimension `dim` of the tensor's shape (the first 8 are recorded). */
    int64_t tensor_dim(int64_t index, int64_t dim) {
        z4ai_tensor_info info;
        if (!z4ai_swig_reader_info($self, index, &info)) return 0;
        if (dim < 0 || dim >= (int64_t)info.ndim || dim >= 8) {
            z4ai_swig_fail(Z4AI_E_INVALID_ARGUMENT, "dimension index out of range");
            return 0;
        }
        return z4ai_swig_u64(info.dims[dim]);
    }
    /** SAME / BASE_COPY / BASE_DELTA: the tensor it refers to. */
    int64_t tensor_ref(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_reader_info($self, index, &info) ? (int64_t)info.ref : 0;
    }
    /** Decoded size in bytes. */
    int64_t tensor_nbytes(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_reader_info($self, index, &info) ? z4ai_swig_u64(info.nbytes) : 0;
    }
    /** Byte offset of the tensor in the .safetensors data section. */
    int64_t tensor_data_offset(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_reader_info($self, index, &info) ? z4ai_swig_u64(info.data_offset) : 0;
    }
    /** Bytes of its frame in the container (0 if none). */
    int64_t tensor_stored_size(int64_t index) {
        z4ai_tensor_info info;
        return z4ai_swig_reader_info($self, index, &info) ? z4ai_swig_u64(info.stored_size) : 0;
    }
    /** Decodes tensor `index` into the output buffer (at least tensor_nbytes); returns
     *  the bytes written. */
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
    /** Opens an input of total_size bytes from its first bytes (IN) and its last bytes
     *  (BASE), both copied. Returns 0 when open, 1 when opening needs more: then
     *  parts_head_needed() / parts_tail_needed() give the sizes to fetch (0 = enough) and
     *  the call is repeated. Tensors are then read with tensor_extent_* + read_tensor_from. */
    int32_t open_parts(int64_t total_size, const void* Z4AI_IN, size_t Z4AI_IN_SIZE, const void* Z4AI_BASE,
                       size_t Z4AI_BASE_SIZE) {
        uint64_t h = 0, t = 0;
        z4ai_status s;
        if (!z4ai_swig_reader_ok($self)) return 0;
        if (total_size < 0) {
            z4ai_swig_fail(Z4AI_E_INVALID_ARGUMENT, "negative size");
            return 0;
        }
        s = z4ai_reader_open_parts($self->r, (uint64_t)total_size, Z4AI_IN, Z4AI_IN_SIZE, Z4AI_BASE,
                                   Z4AI_BASE_SIZE, &h, &t);
        $self->head_needed = z4ai_swig_u64(h);
        $self->tail_needed = z4ai_swig_u64(t);
        if (s == Z4AI_E_TRUNCATED && (h || t)) return 1;
        if (!z4ai_swig_rchk($self, s)) {
            z4ai_swig_reader_forget($self);
            return 0;
        }
        free($self->src_copy);
        $self->src_copy = NULL;
        z4ai_swig_reader_set_source($self, NULL, NULL);
        return 0;
    }
    int64_t parts_head_needed() { return $self->head_needed; }
    int64_t parts_tail_needed() { return $self->tail_needed; }
    /** Input bytes a read of tensor `index` touches: offset (tensor_extent_size 0: none). */
    int64_t tensor_extent_offset(int64_t index) {
        uint64_t off = 0, n = 0;
        if (!z4ai_swig_reader_ok($self)) return 0;
        if (index < 0) {
            z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, "negative tensor index");
            return 0;
        }
        z4ai_swig_rchk($self, z4ai_reader_tensor_extent($self->r, (size_t)index, &off, &n));
        return z4ai_swig_u64(off);
    }
    int64_t tensor_extent_size(int64_t index) {
        uint64_t off = 0, n = 0;
        if (!z4ai_swig_reader_ok($self)) return 0;
        if (index < 0) {
            z4ai_swig_fail(Z4AI_E_PARAM_OUT_OF_BOUNDS, "negative tensor index");
            return 0;
        }
        z4ai_swig_rchk($self, z4ai_reader_tensor_extent($self->r, (size_t)index, &off, &n));
        return z4ai_swig_u64(n);
    }
    /** Decodes tensor `index` into the output buffer from input bytes the caller fetched
     *  (the input buffer holds input bytes from stored_offset on and must cover the
     *  tensor's extent); returns the bytes written. The input is not read. */
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
    /** Decodes elements [first, first + count) of tensor `index` (row-major) into the
     *  output buffer, touching only the chunks that hold them; returns the bytes written. */
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
    /** The original header JSON (with __metadata__ and padding). */
    const char* header_json() { return z4ai_swig_reader_text($self, z4ai_reader_header_json); }
    /** JSON description: kind, sizes, and per tensor name, dtype, shape, method, sizes. */
    const char* describe() { return z4ai_swig_reader_text($self, z4ai_reader_describe); }
    /** Size of the .safetensors file the input restores to. */
    int64_t file_size() {
        uint64_t s = 0;
        if (!z4ai_swig_reader_ok($self) || !z4ai_swig_rchk($self, z4ai_reader_file_size($self->r, &s))) return 0;
        return z4ai_swig_u64(s);
    }
    /** Restores the whole .safetensors file into the output buffer; returns its size. */
    int64_t restore(void* Z4AI_OUT, size_t Z4AI_OUT_CAP) {
        size_t written = 0;
        if (!z4ai_swig_reader_ok($self)) return 0;
        z4ai_swig_rchk($self, z4ai_reader_restore($self->r, Z4AI_OUT, Z4AI_OUT_CAP, &written));
        return (int64_t)written;
    }
    /** Restores the whole .safetensors file into a file (atomically). */
    void restore_file(const char* dst_path) {
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_restore_file($self->r, dst_path));
    }
    /** Read calls / bytes the input has served since it was opened. */
    int64_t io_calls() {
        uint64_t c = 0, b = 0;
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_io_stats($self->r, &c, &b));
        return z4ai_swig_u64(c);
    }
    int64_t io_bytes() {
        uint64_t c = 0, b = 0;
        if (z4ai_swig_reader_ok($self)) z4ai_swig_rchk($self, z4ai_reader_io_stats($self->r, &c, &b));
        return z4ai_swig_u64(b);
    }
}
