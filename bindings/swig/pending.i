/*
 * pending.i - for languages whose wrapper cannot throw from inside the JNI/P-Invoke/cgo
 * call while buffers are pinned (Java, C#, Go): the wrapped call only records the error
 * (z4ai.i's thread-local pending error) and the language's proxy code fetches it right
 * after the call, on the same thread, and raises its own exception/error type.
 *
 * Included by bindings/swig/<lang>/typemaps.i, inside z4ai.i (after its %{ %} block).
 * Return type `int`/`char*` (not int32_t / const char*) keeps these two calls out of
 * the per-language "check after the call" typemaps, which match int32_t, int64_t,
 * void and const char*.
 */
%exception z4ai_swig_pending_detail "$action"
%exception z4ai_swig_take_pending_status "$action"
%rename(pending_detail) z4ai_swig_pending_detail;
%rename(take_pending_status) z4ai_swig_take_pending_status;
%newobject z4ai_swig_pending_detail;
%inline %{
/** Detail text of this thread's pending error (a copy; "" if none). Does not clear it. */
static char* z4ai_swig_pending_detail(void) {
    size_t n = strlen(z4ai_swig_err.detail);
    char* s = (char*)malloc(n + 1);
    if (s != NULL) memcpy(s, z4ai_swig_err.detail, n + 1);
    return s;
}
/** Status of this thread's pending error (0 if none), and clears it. */
static int z4ai_swig_take_pending_status(void) {
    int s = (int)z4ai_swig_err.status;
    z4ai_swig_clear_error();
    return s;
}
%}

/* Every other wrapped call starts with a clean slate and only records failures. */
%exception {
    z4ai_swig_clear_error();
    $action
}
