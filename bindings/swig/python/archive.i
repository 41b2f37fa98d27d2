/* Python-only archive helpers returning bytes written in place (see typemaps.i). */
%extend z4ai_swig_archive {
    /** Member index restored into a new bytes object. */
    PyObject* read_bytes(int64_t index) {
        z4ai_member_info m;
        size_t written = 0;
        PyObject* out;
        if (!z4ai_swig_member($self, index, &m)) return NULL;
        if ((out = z4ai_swig_new_bytes((size_t)m.size)) == NULL) return NULL;
        return z4ai_swig_finish_bytes(out, written,
            z4ai_swig_achk($self, z4ai_archive_read($self->a, (size_t)index, PyBytes_AS_STRING(out), (size_t)m.size,
                                                    &written)));
    }
}
