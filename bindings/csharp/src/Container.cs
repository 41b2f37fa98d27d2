// Containers (.zstn), model deltas (.z4dm) and random access, over the SWIG layer (Z4ai.Native).
using System;
using System.Collections.Generic;
using System.Text;
using Z4ai.Native;

namespace Z4ai {

public static partial class Codec {
    /// <summary>Element width in bytes of a dtype code.</summary>
    public static long DtypeWidth(int code) => z4ai_swig.dtype_width(code);

    /// <summary>.safetensors bytes -> .zstn container (default effort, all cores).</summary>
    public static byte[] CompressSafetensors(byte[] safetensors) {
        using (var c = new Compressor()) return c.CompressSafetensors(safetensors);
    }

    /// <summary>.zstn container -> the original .safetensors bytes.</summary>
    public static byte[] DecompressSafetensors(byte[] zstn) {
        using (var d = new Decompressor()) return d.DecompressSafetensors(zstn);
    }

    /// <summary>z4ai_swig.Z4AI_KIND_FRAME, _CONTAINER, _MODEL_DELTA, _SAFETENSORS or _UNKNOWN.</summary>
    public static unsafe int DetectKind(byte[] data) {
        fixed (byte* p = data) return z4ai_swig.detect_kind(new Buf((IntPtr)p, data?.Length ?? 0), -1);
    }

    internal static unsafe long ContainerBound(byte[] safetensors) {
        fixed (byte* p = safetensors) return z4ai_swig.safetensors_compress_bound(new Buf((IntPtr)p, safetensors?.Length ?? 0));
    }

    internal static unsafe long ContentSize(byte[] container) {
        fixed (byte* p = container) return z4ai_swig.container_content_size(new Buf((IntPtr)p, container?.Length ?? 0));
    }
}

public sealed partial class Compressor {
    /// <summary>.safetensors bytes -> .zstn container (each tensor its own frame with its own dtype and
    /// shape, identical tensors stored once); uses this context's effort, level, chunk size, checksum, threads.</summary>
    public unsafe byte[] CompressSafetensors(byte[] safetensors) {
        if (safetensors == null) throw new ArgumentNullException(nameof(safetensors));
        var dst = new byte[checked((int)Codec.ContainerBound(safetensors))];
        long n;
        fixed (byte* s = safetensors)
        fixed (byte* d = dst)
            n = Ctx.safetensors_compress(new Buf((IntPtr)d, dst.Length), new Buf((IntPtr)s, safetensors.Length));
        Array.Resize(ref dst, (int)n);
        return dst;
    }

    /// <summary>.safetensors file -> .zstn file (atomic); returns its size.</summary>
    public long CompressSafetensors(string srcPath, string dstPath) => Ctx.safetensors_compress_file(srcPath, dstPath);

    /// <summary>A fine-tuned .safetensors against its base .safetensors -> .z4dm model delta.</summary>
    public unsafe byte[] CompressModelDelta(byte[] fineTune, byte[] baseModel) {
        if (fineTune == null || baseModel == null) throw new ArgumentNullException();
        var dst = new byte[checked((int)Codec.ContainerBound(fineTune))];
        long n;
        fixed (byte* s = fineTune)
        fixed (byte* b = baseModel)
        fixed (byte* d = dst)
            n = Ctx.model_delta_compress(new Buf((IntPtr)d, dst.Length), new Buf((IntPtr)s, fineTune.Length),
                                         new Buf((IntPtr)b, baseModel.Length));
        Array.Resize(ref dst, (int)n);
        return dst;
    }

    public long CompressModelDelta(string fineTunePath, string basePath, string dstPath) =>
        Ctx.model_delta_compress_file(fineTunePath, basePath, dstPath);
}

public sealed partial class Decompressor {
    /// <summary>.zstn container -> the original .safetensors bytes.</summary>
    public unsafe byte[] DecompressSafetensors(byte[] zstn) {
        if (zstn == null) throw new ArgumentNullException(nameof(zstn));
        var dst = new byte[checked((int)Codec.ContentSize(zstn))];
        long n;
        fixed (byte* s = zstn)
        fixed (byte* d = dst)
            n = Ctx.safetensors_decompress(new Buf((IntPtr)d, dst.Length), new Buf((IntPtr)s, zstn.Length));
        if (n != dst.Length) Array.Resize(ref dst, (int)n);
        return dst;
    }

    public long DecompressSafetensors(string srcPath, string dstPath) => Ctx.safetensors_decompress_file(srcPath, dstPath);

    /// <summary>.z4dm model delta + its base -> the fine-tune (wrong base: Z4AI_E_REFERENCE_MISMATCH).</summary>
    public unsafe byte[] DecompressModelDelta(byte[] z4dm, byte[] baseModel) {
        if (z4dm == null || baseModel == null) throw new ArgumentNullException();
        var dst = new byte[checked((int)Codec.ContentSize(z4dm))];
        long n;
        fixed (byte* s = z4dm)
        fixed (byte* b = baseModel)
        fixed (byte* d = dst)
            n = Ctx.model_delta_decompress(new Buf((IntPtr)d, dst.Length), new Buf((IntPtr)s, z4dm.Length),
                                           new Buf((IntPtr)b, baseModel.Length));
        if (n != dst.Length) Array.Resize(ref dst, (int)n);
        return dst;
    }

    public long DecompressModelDelta(string srcPath, string basePath, string dstPath) =>
        Ctx.model_delta_decompress_file(srcPath, basePath, dstPath);
}

/// <summary>One tensor of a container, model delta or .safetensors file.</summary>
public sealed class TensorInfo {
    public int Index { get; internal set; }
    /// <summary>Exact UTF-8 decoding of the name.</summary>
    public string Name { get; internal set; }
    public int Dtype { get; internal set; }
    public string DtypeName => Codec.DtypeName(Dtype);
    /// <summary>z4ai_swig.Z4AI_TENSOR_FRAME, _SAME, _EMPTY, _BASE_COPY, _BASE_DELTA, _RAW.</summary>
    public int Method { get; internal set; }
    /// <summary>Empty for a scalar.</summary>
    public long[] Shape { get; internal set; }
    /// <summary>SAME / BASE_COPY / BASE_DELTA: the tensor it refers to.</summary>
    public long Ref { get; internal set; }
    public long NBytes { get; internal set; }
    public long DataOffset { get; internal set; }
    public long StoredSize { get; internal set; }
    public override string ToString() =>
        $"{Index} {Name} {DtypeName}[{string.Join(",", Shape)}] nbytes={NBytes} method={Method} stored={StoredSize}";
}

/// <summary>Random access into a .zstn, a .z4dm (after AttachBase) or a .safetensors file: lists the
/// tensors and decodes one tensor or an element range of one, reading only what it needs.
/// Dispose frees the native memory. Not thread-safe.</summary>
public sealed class ContainerReader : IDisposable {
    Reader r = new Reader();
    System.IO.Stream source; // set by Open(Stream): tensors are read through it

    // First sizes read to open over a stream: the prefix, and the trailer plus the index
    // of a container with a few dozen tensors (a bigger index costs one read more).
    const int HeadBytes = 64, TailBytes = 8192 - 64;

    ContainerReader() { r.set_param(z4ai_swig.Z4AI_D_THREADS, 0); }

    /// <summary>Opens an input held in memory (the bytes are copied).</summary>
    public static unsafe ContainerReader Open(byte[] data) {
        if (data == null) throw new ArgumentNullException(nameof(data));
        var c = new ContainerReader();
        try {
            fixed (byte* p = data) c.r.open_memory(new Buf((IntPtr)p, data.Length));
        } catch {
            c.Dispose();
            throw;
        }
        return c;
    }

    /// <summary>Opens a container read through a seekable stream (a FileStream, an HTTP range
    /// stream, ...): its first 64 and last 8 KiB now (more if its index is bigger), then each
    /// tensor with one read of its frame. Reads are serialised on the stream, which stays the
    /// caller's to dispose.</summary>
    public static unsafe ContainerReader Open(System.IO.Stream stream) {
        if (stream == null) throw new ArgumentNullException(nameof(stream));
        if (!stream.CanSeek || !stream.CanRead) throw new ArgumentException("the stream must be readable and seekable");
        var c = new ContainerReader();
        try {
            long size = stream.Length, head = Math.Min(HeadBytes, size), tail = Math.Min(TailBytes, size);
            byte[] h = null, t = null;
            for (int round = 0;; round++) {
                if (h == null || h.Length < head) h = ReadAt(stream, 0, head);
                if (t == null || t.Length < tail) t = ReadAt(stream, size - tail, tail);
                int more;
                fixed (byte* ph = h) fixed (byte* pt = t)
                    more = c.r.open_parts(size, new Buf((IntPtr)ph, h.Length), new Buf((IntPtr)pt, t.Length));
                if (more == 0) break;
                if (round == 3) throw new Z4aiException(z4ai_swig.Z4AI_E_TRUNCATED, "Z4AI_E_TRUNCATED", "container still incomplete after 3 rounds");
                head = Math.Max(head, c.r.parts_head_needed());
                tail = Math.Max(tail, c.r.parts_tail_needed());
            }
            c.source = stream;
        } catch {
            c.Dispose();
            throw;
        }
        return c;
    }

    static byte[] ReadAt(System.IO.Stream s, long offset, long n) {
        var b = new byte[checked((int)n)];
        try {
            lock (s) {
                s.Position = offset;
                int got = 0;
                while (got < b.Length) {
                    int k = s.Read(b, got, b.Length - got);
                    if (k <= 0) throw new System.IO.EndOfStreamException("stream ended at " + (offset + got));
                    got += k;
                }
            }
        } catch (System.IO.IOException e) {
            throw new Z4aiException(z4ai_swig.Z4AI_E_IO, "Z4AI_E_IO", "reading bytes " + offset + "-" + (offset + n - 1) + ": " + e.Message);
        }
        return b;
    }

    /// <summary>Opens a file; only its prefix, trailer and index are read now.</summary>
    public static ContainerReader OpenFile(string path) {
        var c = new ContainerReader();
        try {
            c.r.open_file(path);
        } catch {
            c.Dispose();
            throw;
        }
        return c;
    }

    Reader R {
        get {
            if (r == null) throw new Z4aiException(z4ai_swig.Z4AI_E_STAGE_WRONG, "Z4AI_E_STAGE_WRONG", "reader is disposed");
            return r;
        }
    }

    public ContainerReader SetParam(int param, long value) { R.set_param(param, value); return this; }
    public int Kind => R.kind();

    /// <summary>Model delta: the base .safetensors it was made against (copied).</summary>
    public unsafe ContainerReader AttachBase(byte[] baseModel) {
        fixed (byte* p = baseModel) R.attach_base(new Buf((IntPtr)p, baseModel?.Length ?? 0));
        return this;
    }

    public int Count => checked((int)R.tensor_count());

    /// <summary>Index of the tensor called name; Z4AI_E_NOT_FOUND if absent.</summary>
    public unsafe int Find(string name) {
        byte[] b = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b) return (int)R.find(new Buf((IntPtr)p, b.Length));
    }

    public unsafe TensorInfo Tensor(int index) {
        var n = R;
        var name = new byte[checked((int)n.tensor_name_size(index))];
        fixed (byte* p = name) n.tensor_name_bytes(index, new Buf((IntPtr)p, name.Length));
        var shape = new long[n.tensor_ndim(index)];
        for (int d = 0; d < shape.Length; d++) shape[d] = n.tensor_dim(index, d);
        return new TensorInfo {
            Index = index, Name = Encoding.UTF8.GetString(name), Dtype = n.tensor_dtype(index), Method = n.tensor_method(index),
            Shape = shape, Ref = n.tensor_ref(index), NBytes = n.tensor_nbytes(index), DataOffset = n.tensor_data_offset(index),
            StoredSize = n.tensor_stored_size(index)
        };
    }

    public TensorInfo Tensor(string name) => Tensor(Find(name));

    public List<TensorInfo> Tensors() {
        var list = new List<TensorInfo>();
        for (int i = 0, n = Count; i < n; i++) list.Add(Tensor(i));
        return list;
    }

    public byte[] ReadTensor(int index) {
        var dst = new byte[checked((int)R.tensor_nbytes(index))];
        ReadTensor(index, dst);
        return dst;
    }

    public byte[] ReadTensor(string name) => ReadTensor(Find(name));

    /// <summary>Decodes one tensor into dst (pinned, no copy); returns the bytes written.</summary>
    public unsafe int ReadTensor(int index, Span<byte> dst) {
        if (source != null) {
            var n = R;
            long off = n.tensor_extent_offset(index), size = n.tensor_extent_size(index);
            byte[] stored = ReadAt(source, off, size);
            fixed (byte* s = stored) fixed (byte* d = &dst.GetPinnableReference())
                return (int)n.read_tensor_from(index, new Buf((IntPtr)s, stored.Length), off, new Buf((IntPtr)d, dst.Length));
        }
        fixed (byte* d = &dst.GetPinnableReference()) return (int)R.read_tensor(index, new Buf((IntPtr)d, dst.Length));
    }

    /// <summary>Elements [first, first+count) of one tensor (row-major), decoding only the chunks that hold them.</summary>
    public byte[] ReadElements(int index, long first, int count) {
        var dst = new byte[checked((int)(Codec.DtypeWidth(R.tensor_dtype(index)) * count))];
        int n = ReadElements(index, first, count, dst);
        if (n != dst.Length) Array.Resize(ref dst, n);
        return dst;
    }

    public unsafe int ReadElements(int index, long first, long count, Span<byte> dst) {
        fixed (byte* d = &dst.GetPinnableReference())
            return (int)R.read_elements(index, first, count, new Buf((IntPtr)d, dst.Length));
    }

    /// <summary>The original header JSON (with __metadata__ and padding).</summary>
    public string HeaderJson => R.header_json();
    public string Describe() => R.describe();
    public long FileSize => R.file_size();

    /// <summary>The whole .safetensors file, byte for byte.</summary>
    public unsafe byte[] Restore() {
        var dst = new byte[checked((int)FileSize)];
        fixed (byte* d = dst) R.restore(new Buf((IntPtr)d, dst.Length));
        return dst;
    }

    public void Restore(string dstPath) => R.restore_file(dstPath);
    public long IoCalls => R.io_calls();
    public long IoBytes => R.io_bytes();

    public void Dispose() {
        if (r != null) {
            r.close();
            r.Dispose();
            r = null;
        }
    }
}
}
