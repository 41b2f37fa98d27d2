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
