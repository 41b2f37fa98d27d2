/*
 * python/callbacks.i - C trampolines from the C ABI's callbacks into Python callables
 * (read-at sources of readers, writers of safetensors_compress_to). %included at the
 * end of python/typemaps.i, before any class is wrapped: SWIG emits %extend bodies where
 * the class is declared, so their helpers must come first. Each trampoline takes the GIL
 * (the wrapped calls release it, and decoder threads may call in); an exception
 * becomes a failure whose message is "ExceptionType: text".
 */

%{
typedef struct {
    PyObject* read_into;
} z4ai_py_source;

static void z4ai_py_source_free(void* p) {
    z4ai_py_source* s = (z4ai_py_source*)p;
    PyGILState_STATE g = PyGILState_Ensure();
    Py_XDECREF(s->read_into);
    PyGILState_Release(g);
    free(s);
}

/* "Type: message" of the pending exception into dst (cleared). */
static void z4ai_py_exception_text(char* dst, size_t cap) {
    PyObject *type = NULL, *value = NULL, *tb = NULL, *text = NULL;
    const char* name = "error";
    const char* msg = "";
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (type != NULL) name = ((PyTypeObject*)type)->tp_name;
    if (value != NULL) text = PyObject_Str(value);
    if (text != NULL) msg = PyUnicode_AsUTF8(text);
    if (msg == NULL) {
        PyErr_Clear();
        msg = "";
    }
    snprintf(dst, cap, "%s: %s", name, msg);
    Py_XDECREF(text);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

static int32_t z4ai_py_read_at(void* user, uint64_t offset, void* dst, size_t size, z4ai_read_result* result) {
    z4ai_py_source* s = (z4ai_py_source*)user;
    int32_t rc = 0;
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject* mv = PyMemoryView_FromMemory((char*)dst, (Py_ssize_t)size, PyBUF_WRITE);
    PyObject* out = NULL;
    if (mv != NULL) out = PyObject_CallFunction(s->read_into, "KO", (unsigned long long)offset, mv);
    if (out == NULL) {
        z4ai_py_exception_text(result->message, sizeof result->message);
        rc = 1;
    } else if (out != Py_None) {
        const char* v = PyUnicode_Check(out) ? PyUnicode_AsUTF8(out) : NULL;
        if (v == NULL) {
            PyErr_Clear();
            snprintf(result->message, sizeof result->message, "read_into returned %s, not None or a version str",
                     Py_TYPE(out)->tp_name);
            rc = 2;
        } else {
            snprintf(result->version, sizeof result->version, "%s", v);
        }
    }
    Py_XDECREF(out);
    if (mv != NULL) {
        PyObject* r = PyObject_CallMethod(mv, "release", NULL);
        if (r == NULL) { /* still exported: the callback kept the buffer */
            PyErr_Clear();
            if (rc == 0) {
                snprintf(result->message, sizeof result->message, "read_into kept a view of the buffer");
                rc = 3;
            }
        }
        Py_XDECREF(r);
        Py_DECREF(mv);
    } else if (rc == 0) {
        rc = 4;
    }
    PyGILState_Release(g);
    return rc;
}
%}

%{
static int32_t z4ai_py_write(void* user, const void* src, size_t size, char* message, size_t cap) {
    int32_t rc = 0;
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject* mv = PyMemoryView_FromMemory((char*)src, (Py_ssize_t)size, PyBUF_READ);
    PyObject* out = mv != NULL ? PyObject_CallFunctionObjArgs((PyObject*)user, mv, NULL) : NULL;
    if (out == NULL) {
        z4ai_py_exception_text(message, cap);
        rc = 1;
    }
    Py_XDECREF(out);
    if (mv != NULL) {
        PyObject* r = PyObject_CallMethod(mv, "release", NULL);
        if (r == NULL) {
            PyErr_Clear();
            if (rc == 0) {
                snprintf(message, cap, "write kept a view of the buffer");
                rc = 3;
            }
        }
        Py_XDECREF(r);
        Py_DECREF(mv);
    }
    PyGILState_Release(g);
    return rc;
}
%}
