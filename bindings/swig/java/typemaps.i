/*
 * Java layer of z4ai.i (package org.z4ai; the hand-written API is in bindings/java).
 *
 * - Buffers: every (Z4AI_IN, size) / (Z4AI_OUT, capacity) pair is one java.nio.ByteBuffer
 *   covering [position, limit). Direct buffers are used in place (no copy); heap buffers
 *   (ByteBuffer.wrap(byte[]), which is how the byte[] API reaches here) are pinned with
 *   GetPrimitiveArrayCritical for the call (no copy on HotSpot). Pinning happens in the
 *   "check" typemaps, after every argument has been converted, so no JNI call runs while
 *   an array is pinned; positions are advanced by the Java layer, not here.
 * - Errors: the native call only records them (pending.i); each proxy method then calls
 *   z4ai_swig.raisePending(), which throws org.z4ai.Z4aiException carrying the status
 *   code, its pinned name (e.g. "Z4AI_E_CORRUPT") and the detail text.
 * - Enums of z4ai.h become plain int constants (z4ai_swig.Z4AI_DTYPE_BF16, ...).
 * - The JNI library (libz4ai_java.so, z4ai linked in statically) is loaded with
 *   System.loadLibrary("z4ai_java") or, failing that, extracted from the jar.
 */
%include "enumsimple.swg"
%include "../pending.i"

%{
typedef struct {
    jbyteArray array; /* heap buffer: its backing array (pinned in "check") */
    jint offset;      /* arrayOffset() + position() */
    void* base;       /* pinned array elements, released in "freearg" */
    void* ptr;        /* direct buffer address + position */
    size_t len;       /* remaining() */
    int failed;       /* pinning failed: report Z4AI_E_MEMORY after the call */
} z4ai_jbuf;

static void z4ai_java_throw(JNIEnv* env, const char* cls, const char* msg) {
    jclass c = (*env)->FindClass(env, cls);
    if (c != NULL) (*env)->ThrowNew(env, c, msg);
}

/* Reads a ByteBuffer's region; 0 (with a Java exception pending) on failure. */
static int z4ai_java_buffer(JNIEnv* env, jobject bb, z4ai_jbuf* b, int writable) {
    jclass cls;
    jint pos, lim;
    memset(b, 0, sizeof *b);
    if (bb == NULL) {
        z4ai_java_throw(env, "java/lang/NullPointerException", "buffer is null");
        return 0;
    }
    cls = (*env)->GetObjectClass(env, bb);
    pos = (*env)->CallIntMethod(env, bb, (*env)->GetMethodID(env, cls, "position", "()I"));
    lim = (*env)->CallIntMethod(env, bb, (*env)->GetMethodID(env, cls, "limit", "()I"));
    if (writable && (*env)->CallBooleanMethod(env, bb, (*env)->GetMethodID(env, cls, "isReadOnly", "()Z"))) {
        jclass ro = (*env)->FindClass(env, "java/nio/ReadOnlyBufferException"); /* no (String) ctor */
        if (ro != NULL) {
            jobject e = (*env)->NewObject(env, ro, (*env)->GetMethodID(env, ro, "<init>", "()V"));
            if (e != NULL) (*env)->Throw(env, (jthrowable)e);
        }
        return 0;
    }
    b->len = (size_t)(lim - pos);
    b->ptr = (*env)->GetDirectBufferAddress(env, bb);
    if (b->ptr != NULL) {
        b->ptr = (char*)b->ptr + pos;
        return 1;
    }
    if (!(*env)->CallBooleanMethod(env, bb, (*env)->GetMethodID(env, cls, "hasArray", "()Z"))) {
        z4ai_java_throw(env, "java/lang/IllegalArgumentException",
                        "buffer is neither direct nor backed by an accessible array");
        return 0;
    }
    b->array = (jbyteArray)(*env)->CallObjectMethod(env, bb, (*env)->GetMethodID(env, cls, "array", "()[B"));
    b->offset = pos + (*env)->CallIntMethod(env, bb, (*env)->GetMethodID(env, cls, "arrayOffset", "()I"));
    return (*env)->ExceptionCheck(env) ? 0 : 1;
}

/* Pins a heap buffer's array (no other JNI call may run until z4ai_java_unpin). */
static void z4ai_java_pin(JNIEnv* env, z4ai_jbuf* b) {
    if (b->array == NULL) return;
    b->base = (*env)->GetPrimitiveArrayCritical(env, b->array, NULL);
    if (b->base == NULL) {
        b->failed = 1;
        b->ptr = NULL;
        b->len = 0;
    } else {
        b->ptr = (char*)b->base + b->offset;
    }
}
static void z4ai_java_unpin(JNIEnv* env, z4ai_jbuf* b, jint mode) {
    if (b->base != NULL) (*env)->ReleasePrimitiveArrayCritical(env, b->array, b->base, mode);
    b->base = NULL;
    if (b->failed) z4ai_swig_fail(Z4AI_E_MEMORY, "cannot pin a Java array");
}
%}

%define Z4AI_JAVA_BUFFER(PTR, SIZE, WRITABLE, RELEASE)
%typemap(jni) (PTR, size_t SIZE) "jobject"
%typemap(jtype) (PTR, size_t SIZE) "java.nio.ByteBuffer"
%typemap(jstype) (PTR, size_t SIZE) "java.nio.ByteBuffer"
%typemap(javain) (PTR, size_t SIZE) "$javainput"
%typemap(in) (PTR, size_t SIZE) (z4ai_jbuf jb) {
    if (!z4ai_java_buffer(jenv, $input, &jb, WRITABLE)) return $null;
}
%typemap(check) (PTR, size_t SIZE) {
    z4ai_java_pin(jenv, &jb$argnum);
    $1 = jb$argnum.ptr;
    $2 = jb$argnum.len;
}
%typemap(freearg) (PTR, size_t SIZE) {
    z4ai_java_unpin(jenv, &jb$argnum, RELEASE);
}
%enddef
Z4AI_JAVA_BUFFER(const void* Z4AI_IN, Z4AI_IN_SIZE, 0, JNI_ABORT)
Z4AI_JAVA_BUFFER(void* Z4AI_OUT, Z4AI_OUT_CAP, 1, 0)

/* After each native call: raise the pending error, if any. */
%typemap(javaout) void { $jnicall; z4ai_swig.raisePending(); }
%typemap(javaout) int64_t { long r = $jnicall; z4ai_swig.raisePending(); return r; }
%typemap(javaout) int32_t { int r = $jnicall; z4ai_swig.raisePending(); return r; }
%typemap(javaout) const char* { String r = $jnicall; z4ai_swig.raisePending(); return r; }
%typemap(javaout) char* z4ai_swig_frame_describe { String r = $jnicall; z4ai_swig.raisePending(); return r; }
%typemap(javaconstruct) struct z4ai_swig_cctx { this($imcall, true); z4ai_swig.raisePending(); }
%typemap(javaconstruct) struct z4ai_swig_dctx { this($imcall, true); z4ai_swig.raisePending(); }
%typemap(javaconstruct) struct z4ai_swig_reader { this($imcall, true); z4ai_swig.raisePending(); }
%typemap(javaconstruct) struct z4ai_swig_archive { this($imcall, true); z4ai_swig.raisePending(); }

%pragma(java) modulecode=%{
  /** Throws the error recorded by the last native call on this thread, if any. */
  static void raisePending() {
    String detail = pending_detail();
    int status = take_pending_status();
    if (status != 0) throw new Z4aiException(status, status_name(status), detail);
  }
%}

%pragma(java) jniclasscode=%{
  static { NativeLoader.load(); }
%}
