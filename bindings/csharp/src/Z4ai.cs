// Hand-written C# API over the SWIG layer (Z4ai.Native). Mono's mcs (C# 7.2) compatible.
using System;
using System.IO;
using Z4ai.Native;

namespace Z4ai {

/// <summary>A failed z4ai call: pinned status code, its name (e.g. "Z4AI_E_CORRUPT") and detail.</summary>
public class Z4aiException : Exception {
    public int Status { get; }
    public string StatusName { get; }
    public string Detail { get; }
    public Z4aiException(int status, string statusName, string detail)
        : base(string.IsNullOrEmpty(detail) || detail == statusName ? statusName : statusName + ": " + detail) {
        Status = status;
        StatusName = statusName;
        Detail = detail ?? "";
    }
}

public enum Effort { Fast = 0, Default = 1, Max = 2 }

/// <summary>What a frame header records.</summary>
public sealed class FrameInfo {
    public int Dtype { get; internal set; }
    public string DtypeName => Codec.DtypeName(Dtype);
    /// <summary>Content size in bytes; -1 if a streamed frame's header did not record it.</summary>
    public long ContentSize { get; internal set; }
    /// <summary>Length of the complete frame; -1 if only a prefix was given.</summary>
    public long CompressedSize { get; internal set; }
    public long[] Shape { get; internal set; }
}

/// <summary>One-shot helpers, dtype names and frame inspection.</summary>
public static class Codec {
    public static string Version => z4ai_swig.version_string();
    public static int Dtype(string name) => z4ai_swig.dtype_from_name(name);
    public static string DtypeName(int code) => z4ai_swig.dtype_name(code);
    public static long CompressBound(long n) => z4ai_swig.compress_bound(n);

    public static byte[] Compress(byte[] data, string dtype = null) {
        using (var c = new Compressor()) {
            if (dtype != null) c.SetDtype(dtype);
            return c.Compress(data);
        }
    }

    public static byte[] Decompress(byte[] frame) {
        using (var d = new Decompressor()) return d.Decompress(frame);
    }

    public static unsafe FrameInfo Info(byte[] frame) {
        if (frame == null) throw new ArgumentNullException(nameof(frame));
        fixed (byte* p = frame) {
            var b = new Buf((IntPtr)p, frame.Length);
            var info = new FrameInfo { Dtype = z4ai_swig.frame_dtype(b), ContentSize = z4ai_swig.frame_content_size(b) };
            try { info.CompressedSize = z4ai_swig.frame_compressed_size(b); } catch (Z4aiException) { info.CompressedSize = -1; }
            var shape = new long[z4ai_swig.frame_ndim(b)];
            for (int i = 0; i < shape.Length; i++) shape[i] = z4ai_swig.frame_dim(b, i);
            info.Shape = shape;
            return info;
        }
    }

    public static unsafe string Describe(byte[] frame) {
        fixed (byte* p = frame) return z4ai_swig.frame_describe(new Buf((IntPtr)p, frame.Length));
    }

    internal static void Check(byte[] a, int off, int count) {
        if (a == null) throw new ArgumentNullException();
        if (off < 0 || count < 0 || off > a.Length - count) throw new ArgumentOutOfRangeException();
    }
}

/// <summary>A compression context; Dispose frees the native memory.</summary>
public sealed class Compressor : IDisposable {
    CCtx ctx = new CCtx();

    public Compressor() { ctx.set_param(z4ai_swig.Z4AI_C_THREADS, 0); }

    CCtx Ctx {
        get {
            if (ctx == null) throw new Z4aiException(z4ai_swig.Z4AI_E_STAGE_WRONG, "Z4AI_E_STAGE_WRONG", "compressor is disposed");
            return ctx;
        }
    }

    public Compressor SetDtype(string name) => SetParam(z4ai_swig.Z4AI_C_DTYPE, Codec.Dtype(name));
    public Compressor SetEffort(Effort e) => SetParam(z4ai_swig.Z4AI_C_EFFORT, (int)e);
    public Compressor SetLevel(int level) => SetParam(z4ai_swig.Z4AI_C_LEVEL, level);
    public Compressor SetThreads(int n) => SetParam(z4ai_swig.Z4AI_C_THREADS, n);
    public Compressor SetChecksum(bool on) => SetParam(z4ai_swig.Z4AI_C_CHECKSUM, on ? 1 : 0);
    public Compressor SetParam(int param, long value) { Ctx.set_param(param, value); return this; }
    public long GetParam(int param) => Ctx.get_param(param);
    public Compressor SetShape(params long[] dims) {
        Ctx.clear_shape();
        foreach (long d in dims) Ctx.append_shape_dim(d);
        return this;
    }
    public Compressor SetPledgedSize(long size) { Ctx.set_pledged_size(size); return this; }
    public unsafe Compressor SetReference(byte[] reference) {
        fixed (byte* p = reference) Ctx.set_reference(new Buf((IntPtr)p, reference?.Length ?? 0));
        return this;
    }

    public byte[] Compress(byte[] data) => Compress(data, 0, data?.Length ?? 0);

    public byte[] Compress(byte[] data, int offset, int count) {
        Codec.Check(data, offset, count);
        var dst = new byte[checked((int)Codec.CompressBound(count))];
        int n = Compress(new ReadOnlySpan<byte>(data, offset, count), dst);
        Array.Resize(ref dst, n);
        return dst;
    }

    /// <summary>Compresses src into dst (pinned, no copy); returns the frame size.</summary>
    public unsafe int Compress(ReadOnlySpan<byte> src, Span<byte> dst) {
        fixed (byte* s = &System.Runtime.InteropServices.MemoryMarshal.GetReference(src))
        fixed (byte* d = &dst.GetPinnableReference())
            return (int)Ctx.compress(new Buf((IntPtr)d, dst.Length), new Buf((IntPtr)s, src.Length));
    }

    /// <summary>Unmanaged memory: compresses [src, src+srcLen) into [dst, dst+dstCap).</summary>
    public long Compress(IntPtr src, long srcLen, IntPtr dst, long dstCap) =>
        Ctx.compress(new Buf(dst, dstCap), new Buf(src, srcLen));

    /// <summary>One streaming step; consumed/produced are the bytes used and written.
    /// Returns the bytes still waiting; 0 after Z4AI_END means the frame is complete.</summary>
    public unsafe long CompressStream(ReadOnlySpan<byte> src, Span<byte> dst, int endOp, out int consumed, out int produced) {
        long remaining;
        fixed (byte* s = &System.Runtime.InteropServices.MemoryMarshal.GetReference(src))
        fixed (byte* d = &dst.GetPinnableReference())
            remaining = Ctx.compress_stream(new Buf((IntPtr)d, dst.Length), new Buf((IntPtr)s, src.Length), endOp);
        consumed = (int)Ctx.last_src_pos();
        produced = (int)Ctx.last_dst_pos();
        return remaining;
    }

    public int StreamInSize => (int)Ctx.stream_in_size();

    public void Dispose() {
        if (ctx != null) {
            ctx.close();
            ctx.Dispose();
            ctx = null;
        }
    }
}

/// <summary>A decompression context; Dispose frees the native memory.</summary>
public sealed class Decompressor : IDisposable {
    DCtx ctx = new DCtx();

    public Decompressor() { ctx.set_param(z4ai_swig.Z4AI_D_THREADS, 0); }

    DCtx Ctx {
        get {
            if (ctx == null) throw new Z4aiException(z4ai_swig.Z4AI_E_STAGE_WRONG, "Z4AI_E_STAGE_WRONG", "decompressor is disposed");
            return ctx;
        }
    }

    public Decompressor SetThreads(int n) { Ctx.set_param(z4ai_swig.Z4AI_D_THREADS, n); return this; }
    public Decompressor SetParam(int param, long value) { Ctx.set_param(param, value); return this; }
    public unsafe Decompressor SetReference(byte[] reference) {
        fixed (byte* p = reference) Ctx.set_reference(new Buf((IntPtr)p, reference?.Length ?? 0));
        return this;
    }

    public byte[] Decompress(byte[] frame) {
        var info = Codec.Info(frame);
        if (info.ContentSize < 0)
            throw new Z4aiException(z4ai_swig.Z4AI_E_TRUNCATED, "Z4AI_E_TRUNCATED", "content size unknown: incomplete frame");
        var dst = new byte[checked((int)info.ContentSize)];
        int n = Decompress(frame, dst);
        if (n != dst.Length) Array.Resize(ref dst, n);
        return dst;
    }

    /// <summary>Decompresses one complete frame into dst; returns the content size.</summary>
    public unsafe int Decompress(ReadOnlySpan<byte> frame, Span<byte> dst) {
        fixed (byte* s = &System.Runtime.InteropServices.MemoryMarshal.GetReference(frame))
        fixed (byte* d = &dst.GetPinnableReference())
            return (int)Ctx.decompress(new Buf((IntPtr)d, dst.Length), new Buf((IntPtr)s, frame.Length));
    }

    /// <summary>Content bytes [offset, offset+length) of a frame, decoding only the chunks needed.</summary>
    public unsafe byte[] DecompressRange(byte[] frame, long offset, int length) {
        var dst = new byte[length];
        long n;
        fixed (byte* s = frame)
        fixed (byte* d = dst)
            n = Ctx.decompress_range(new Buf((IntPtr)d, length), new Buf((IntPtr)s, frame.Length), offset, length);
        if (n != length) Array.Resize(ref dst, (int)n);
        return dst;
    }

    /// <summary>One streaming step; returns 0 once the frame is complete.</summary>
    public unsafe long DecompressStream(ReadOnlySpan<byte> src, Span<byte> dst, out int consumed, out int produced) {
        long remaining;
        fixed (byte* s = &System.Runtime.InteropServices.MemoryMarshal.GetReference(src))
        fixed (byte* d = &dst.GetPinnableReference())
            remaining = Ctx.decompress_stream(new Buf((IntPtr)d, dst.Length), new Buf((IntPtr)s, src.Length));
        consumed = (int)Ctx.last_src_pos();
        produced = (int)Ctx.last_dst_pos();
        return remaining;
    }

    public int StreamOutSize => (int)Ctx.stream_out_size();

    public void Dispose() {
        if (ctx != null) {
            ctx.close();
            ctx.Dispose();
            ctx = null;
        }
    }
}
}
