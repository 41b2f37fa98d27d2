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
