/* Python-only container helpers returning bytes written in place (see typemaps.i). */
%extend z4ai_swig_cctx {
    /** .safetensors bytes -> .zstn as bytes. */
    PyObject* safetensors_compress_bytes(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        uint64_t bound = 0;
        size_t written = 0;
        PyObject* out;
        if (!z4ai_swig_cctx_ok($self) || !z4ai_swig_chk(z4ai_safetensors_compress_bound(Z4AI_IN, Z4AI_IN_SIZE, &bound)))
            return NULL;
        if ((out = z4ai_swig_new_bytes((size_t)bound)) == NULL) return NULL;
        return z4ai_swig_finish_bytes(out, written,
            z4ai_swig_cchk($self, z4ai_safetensors_compress($self->ctx, PyBytes_AS_STRING(out), (size_t)bound,
                                                            Z4AI_IN, Z4AI_IN_SIZE, &written)));
    }
    /** Fine-tune .safetensors against its base -> .z4dm as bytes. */
    PyObject* model_delta_compress_bytes(const void* Z4AI_IN, size_t Z4AI_IN_SIZE, const void* Z4AI_BASE,
                                         size_t Z4AI_BASE_SIZE) {
        uint64_t bound = 0;
        size_t written = 0;
        PyObject* out;
        if (!z4ai_swig_cctx_ok($self) || !z4ai_swig_chk(z4ai_safetensors_compress_bound(Z4AI_IN, Z4AI_IN_SIZE, &bound)))
            return NULL;
        if ((out = z4ai_swig_new_bytes((size_t)bound)) == NULL) return NULL;
        return z4ai_swig_finish_bytes(out, written,
            z4ai_swig_cchk($self, z4ai_model_delta_compress($self->ctx, PyBytes_AS_STRING(out), (size_t)bound,
                                                            Z4AI_IN, Z4AI_IN_SIZE, Z4AI_BASE, Z4AI_BASE_SIZE,
                                                            &written)));
    }
}

%extend z4ai_swig_dctx {
    /** .zstn -> the original .safetensors bytes. */
    PyObject* safetensors_decompress_bytes(const void* Z4AI_IN, size_t Z4AI_IN_SIZE) {
        uint64_t size = 0;
        size_t written = 0;
        PyObject* out;
        if (!z4ai_swig_dctx_ok($self) || !z4ai_swig_chk(z4ai_container_content_size(Z4AI_IN, Z4AI_IN_SIZE, &size)))
            return NULL;
        if ((out = z4ai_swig_new_bytes((size_t)size)) == NULL) return NULL;
        return z4ai_swig_finish_bytes(out, written,
            z4ai_swig_dchk($self, z4ai_safetensors_decompress($self->ctx, PyBytes_AS_STRING(out), (size_t)size,
                                                              Z4AI_IN, Z4AI_IN_SIZE, &written)));
    }
    /** .z4dm + its base -> the fine-tune's bytes. */
    PyObject* model_delta_decompress_bytes(const void* Z4AI_IN, size_t Z4AI_IN_SIZE, const void* Z4AI_BASE,
                                           size_t Z4AI_BASE_SIZE) {
        uint64_t size = 0;
        size_t written = 0;
        PyObject* out;
        if (!z4ai_swig_dctx_ok($self) || !z4ai_swig_chk(z4ai_container_content_size(Z4AI_IN, Z4AI_IN_SIZE, &size)))
            return NULL;
        if ((out = z4ai_swig_new_bytes((size_t)size)) == NULL) return NULL;
        return z4ai_swig_finish_bytes(out, written,
            z4ai_swig_dchk($self, z4ai_model_delta_decompress($self->ctx, PyBytes_AS_STRING(out), (size_t)size,
                                                              Z4AI_IN, Z4AI_IN_SIZE, Z4AI_BASE, Z4AI_BASE_SIZE,
                                                              &written)));
    }
}

%extend z4ai_swig_reader {
    /** Tensor index decoded into a new bytes object. */
    PyObject* read_tensor_bytes(int64_t index) {
        z4ai_tensor_info info;
        size_t written = 0;
        PyObject* out;
        if (!z4ai_swig_info($self, index, &info)) return NULL;
        if ((out = z4ai_swig_new_bytes((size_t)info.nbytes)) == NULL) return NULL;
        return z4ai_swig_finish_bytes(out, written,
            z4ai_swig_rchk($self, z4ai_reader_read_tensor($self->r, (size_t)index, PyBytes_AS_STRING(out),
                                                          (size_t)info.nbytes, &written)));
    }
    /** The UTF-8 bytes of a tensor's name, all name_size of them (a name may hold NUL). */
    PyObject* tensor_name_utf8(int64_t index) {
        z4ai_tensor_info info;
        if (!z4ai_swig_info($self, index, &info)) return NULL;
        return PyBytes_FromStringAndSize(info.name, (Py_ssize_t)info.name_size);
    }
}

/* ---- readers over a Python read-at source ------------------------------------
 * open_source(read_into, size): read_into(offset, buf) fills the writable memoryview
 * buf (exactly len(buf) bytes of the input from offset) and returns None or a version
 * string (ETag, generation: pinned at open, a change fails the read with Z4AI_E_IO).
 * The trampoline takes the GIL (decoder threads may call it); an exception becomes
 * Z4AI_E_IO with "ExceptionType: message" kept in the error. buf is released when the
 * call returns: do not keep it. */

%extend z4ai_swig_reader {
    /** Opens an input of `size` bytes read through read_into(offset, buf) -> version|None. */
    void open_source(PyObject* read_into, int64_t size) {
        z4ai_py_source* s;
        if (!z4ai_swig_reader_ok($self)) return;
        if (size < 0) {
            z4ai_swig_fail(Z4AI_E_INVALID_ARGUMENT, "negative size");
            return;
        }
        s = (z4ai_py_source*)calloc(1, sizeof *s);
        if (s == NULL) {
            z4ai_swig_fail(Z4AI_E_MEMORY, "cannot allocate the source");
            return;
        }
        {
            PyGILState_STATE g = PyGILState_Ensure();
            Py_INCREF(read_into);
            PyGILState_Release(g);
        }
        s->read_into = read_into;
        if (z4ai_swig_rchk($self, z4ai_reader_open_source($self->r, z4ai_py_read_at, s, (uint64_t)size))) {
            free($self->mem_copy);
            $self->mem_copy = NULL;
            z4ai_swig_reader_set_source($self, s, z4ai_py_source_free);
        } else {
            z4ai_py_source_free(s);
        }
    }
}

/* ---- compressing into a Python writer -----------------------------------------
 * safetensors_compress_to(src, write): write(memoryview) takes each piece of the .zstn
 * as it is produced (the view is valid during the call only: copy what you keep); an
 * exception becomes Z4AI_E_IO with its text. Returns the bytes written. */

%extend z4ai_swig_cctx {
    /** .safetensors bytes -> .zstn pieces passed to write(memoryview) as they are made. */
    int64_t safetensors_compress_to(const void* Z4AI_IN, size_t Z4AI_IN_SIZE, PyObject* write) {
        uint64_t written = 0;
        if (!z4ai_swig_cctx_ok($self)) return 0;
        z4ai_swig_cchk($self, z4ai_safetensors_compress_to($self->ctx, Z4AI_IN, Z4AI_IN_SIZE, z4ai_py_write, write,
                                                           &written));
        return (int64_t)written;
    }
}
