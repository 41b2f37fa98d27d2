// Z4aiStream: a System.IO.Stream over z4ai frames, like GZipStream.
using System;
using System.IO;
using Z4ai.Native;

namespace Z4ai {

public enum Z4aiMode { Compress, Decompress }

/// <summary>
/// Compress mode: bytes written become one z4ai frame on the inner stream (ended by
/// Dispose/Close). Decompress mode: reading decodes the inner stream's frames one after
/// another. Memory stays bounded whatever the length.
/// </summary>
public sealed class Z4aiStream : Stream {
    readonly Stream inner;
    readonly bool leaveOpen;
    readonly Z4aiMode mode;
    Compressor c;
    Decompressor d;
    readonly byte[] inBuf, outBuf;
    int inStart, inEnd, outStart, outEnd;
    bool eof, inFrame, seen, finished, disposed;

    /// <summary>Compressing stream; takes ownership of the compressor.</summary>
    public Z4aiStream(Stream inner, Compressor compressor, bool leaveOpen = false)
        : this(inner, compressor ?? throw new ArgumentNullException(nameof(compressor)), leaveOpen, Z4aiMode.Compress) {}

    /// <summary>Decompressing stream; takes ownership of the decompressor.</summary>
    public Z4aiStream(Stream inner, Decompressor decompressor, bool leaveOpen = false)
        : this(inner, decompressor ?? throw new ArgumentNullException(nameof(decompressor)), leaveOpen, Z4aiMode.Decompress) {}

    /// <summary>A stream with default settings, like new GZipStream(inner, mode).</summary>
    public Z4aiStream(Stream inner, Z4aiMode mode, bool leaveOpen = false)
        : this(inner, mode == Z4aiMode.Compress ? (object)new Compressor() : new Decompressor(), leaveOpen, mode) {}

    Z4aiStream(Stream inner, object ctx, bool leaveOpen, Z4aiMode mode) {
        this.inner = inner ?? throw new ArgumentNullException(nameof(inner));
        this.leaveOpen = leaveOpen;
        this.mode = mode;
        c = ctx as Compressor;
        d = ctx as Decompressor;
        inBuf = mode == Z4aiMode.Compress ? new byte[c.StreamInSize] : new byte[1 << 20];
        outBuf = mode == Z4aiMode.Compress ? new byte[checked((int)Codec.CompressBound(inBuf.Length))] : new byte[d.StreamOutSize];
    }

    public override bool CanRead => mode == Z4aiMode.Decompress && !disposed;
    public override bool CanWrite => mode == Z4aiMode.Compress && !disposed;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) {
        if (!CanWrite || finished) throw new InvalidOperationException("not a writable z4ai stream");
        Codec.Check(buffer, offset, count);
        while (count > 0) {
            int n = Math.Min(count, inBuf.Length - inEnd);
            Buffer.BlockCopy(buffer, offset, inBuf, inEnd, n);
            inEnd += n;
            offset += n;
            count -= n;
            if (inEnd == inBuf.Length) Step(z4ai_swig.Z4AI_CONTINUE);
        }
    }

    void Step(int endOp) {
        int pos = 0;
        long remaining;
        do {
            remaining = c.CompressStream(new ReadOnlySpan<byte>(inBuf, pos, inEnd - pos), outBuf, endOp, out int used, out int made);
            pos += used;
            inner.Write(outBuf, 0, made);
        } while (pos < inEnd || (endOp != z4ai_swig.Z4AI_CONTINUE && remaining > 0));
        inEnd = 0;
    }

    /// <summary>Emits the input buffered so far as a short chunk; the frame stays open.</summary>
    public override void Flush() {
        if (mode == Z4aiMode.Compress && !finished && !disposed) Step(z4ai_swig.Z4AI_FLUSH);
        inner.Flush();
    }

    public override int Read(byte[] buffer, int offset, int count) {
        if (!CanRead) throw new InvalidOperationException("not a readable z4ai stream");
        Codec.Check(buffer, offset, count);
        if (count == 0) return 0;
        while (outStart == outEnd)
            if (!Fill()) return 0;
        int n = Math.Min(count, outEnd - outStart);
        Buffer.BlockCopy(outBuf, outStart, buffer, offset, n);
        outStart += n;
        return n;
    }

    void Refill() {
        if (inStart > 0) {
            Buffer.BlockCopy(inBuf, inStart, inBuf, 0, inEnd - inStart);
            inEnd -= inStart;
            inStart = 0;
        }
        int n = inner.Read(inBuf, inEnd, inBuf.Length - inEnd);
        if (n == 0) eof = true;
        else {
            inEnd += n;
            seen = true;
        }
    }

    bool Fill() {
        for (;;) {
            if (inStart == inEnd && !eof) Refill();
            if (inStart == inEnd && eof && !inFrame) {
                if (!seen) throw Truncated("empty input");
                return false;
            }
            long remaining = d.DecompressStream(new ReadOnlySpan<byte>(inBuf, inStart, inEnd - inStart), outBuf,
                                                out int used, out int made);
            inStart += used;
            outStart = 0;
            outEnd = made;
            inFrame = remaining != 0;
            if (made > 0) return true;
            if (used == 0) { // no progress: the decoder needs more input
                if (eof) {
                    if (inFrame || inStart != inEnd) throw Truncated("input ended inside a frame");
                    return false;
                }
                Refill();
            }
        }
    }

    static Z4aiException Truncated(string what) =>
        new Z4aiException(z4ai_swig.Z4AI_E_TRUNCATED, "Z4AI_E_TRUNCATED", what);

    protected override void Dispose(bool disposing) {
        if (disposed) return;
        try {
            if (disposing && mode == Z4aiMode.Compress && !finished) {
                Step(z4ai_swig.Z4AI_END);
                finished = true;
            }
        } finally {
            disposed = true;
            c?.Dispose();
            d?.Dispose();
            if (disposing && !leaveOpen) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
}
