/*
 * C# layer of z4ai.i (namespace Z4ai.Native; the hand-written API is in bindings/csharp).
 *
 * - Buffers: every (Z4AI_IN, size) / (Z4AI_OUT, capacity) pair is one Z4ai.Native.Buf
 *   struct {IntPtr Ptr; long Length} passed by value. The C# layer pins managed memory
 *   (byte[] with offset/count, Span<byte>, ReadOnlySpan<byte>) with `fixed` for the call,
 *   or passes unmanaged memory as is: no copies.
 * - Errors: the native call only records them (pending.i); each proxy method then calls
 *   z4ai_swig.RaisePending(), which throws Z4ai.Z4aiException carrying the status code,
 *   its pinned name (e.g. "Z4AI_E_CORRUPT") and the detail text.
 * - Enums of z4ai.h become int constants (z4ai_swig.Z4AI_DTYPE_BF16, ...).
 */
%include "enumsimple.swg"
%include "../pending.i"

%{
typedef struct {
    void* ptr;
    int64_t len;
} z4ai_cs_buf;
%}

%define Z4AI_CS_BUFFER(PTR, SIZE)
%typemap(ctype) (PTR, size_t SIZE) "z4ai_cs_buf"
%typemap(imtype) (PTR, size_t SIZE) "Buf"
%typemap(cstype) (PTR, size_t SIZE) "Buf"
%typemap(csin) (PTR, size_t SIZE) "$csinput"
%typemap(in) (PTR, size_t SIZE) %{
    $1 = ($1_ltype)$input.ptr;
    $2 = $input.len > 0 ? (size_t)$input.len : 0;
%}
%enddef
Z4AI_CS_BUFFER(const void* Z4AI_IN, Z4AI_IN_SIZE)
Z4AI_CS_BUFFER(void* Z4AI_OUT, Z4AI_OUT_CAP)

/* After each native call: raise the pending error, if any. */
%typemap(csout, excode=SWIGEXCODE) void { $imcall; z4ai_swig.RaisePending(); }
%typemap(csout, excode=SWIGEXCODE) int64_t { long r = $imcall; z4ai_swig.RaisePending(); return r; }
%typemap(csout, excode=SWIGEXCODE) int32_t { int r = $imcall; z4ai_swig.RaisePending(); return r; }
%typemap(csout, excode=SWIGEXCODE) const char* { string r = $imcall; z4ai_swig.RaisePending(); return r; }
%typemap(csout, excode=SWIGEXCODE) char* z4ai_swig_frame_describe { string r = $imcall; z4ai_swig.RaisePending(); return r; }
%typemap(csconstruct, excode=SWIGEXCODE) struct z4ai_swig_cctx %{: this($imcall, true) { z4ai_swig.RaisePending(); }%}
%typemap(csconstruct, excode=SWIGEXCODE) struct z4ai_swig_dctx %{: this($imcall, true) { z4ai_swig.RaisePending(); }%}
%typemap(csconstruct, excode=SWIGEXCODE) struct z4ai_swig_reader %{: this($imcall, true) { z4ai_swig.RaisePending(); }%}
%typemap(csconstruct, excode=SWIGEXCODE) struct z4ai_swig_archive %{: this($imcall, true) { z4ai_swig.RaisePending(); }%}

%pragma(csharp) moduleimports=%{
using System;
using System.Runtime.InteropServices;

/// <summary>A native buffer region: start address and length in bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Buf {
  public IntPtr Ptr;
  public long Length;
  public Buf(IntPtr ptr, long length) { Ptr = ptr; Length = length; }
}
%}

%pragma(csharp) modulecode=%{
  /// <summary>Throws the error recorded by the last native call on this thread, if any.</summary>
  public static void RaisePending() {
    string detail = pending_detail();
    int status = take_pending_status();
    if (status != 0) throw new Z4ai.Z4aiException(status, status_name(status), detail);
  }
%}
