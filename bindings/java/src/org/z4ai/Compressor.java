package org.z4ai;

import java.nio.ByteBuffer;

/**
 * A compression context (native memory released by {@link #close}, use try-with-resources).
 * Settings are sticky; a context is not thread-safe but may move between threads.
 * <pre>
 * try (Compressor c = new Compressor().dtype("bf16").effort(Effort.MAX)) {
 *     byte[] frame = c.compress(weights);
 * }
 * </pre>
 */
public final class Compressor implements AutoCloseable {
    private CCtx ctx = new CCtx();
    private long srcPos, dstPos;

    public Compressor() { ctx.set_param(z4ai_swig.Z4AI_C_THREADS, 0); }

    private CCtx ctx() {
        if (ctx == null) throw new Z4aiException(z4ai_swig.Z4AI_E_STAGE_WRONG, "Z4AI_E_STAGE_WRONG", "compressor is closed");
        return ctx;
    }

    /** Element type for the byte-plane split ("bf16", "fp32", "int8", ... or "raw"). */
    public Compressor dtype(String name) { return param(z4ai_swig.Z4AI_C_DTYPE, Z4ai.dtype(name)); }
    public Compressor dtype(int code) { return param(z4ai_swig.Z4AI_C_DTYPE, code); }
    public Compressor effort(Effort e) { return param(z4ai_swig.Z4AI_C_EFFORT, e.code); }
    /** LZ backend level 1..22; 0 = the tier's default. */
    public Compressor level(int level) { return param(z4ai_swig.Z4AI_C_LEVEL, level); }
    /** Worker threads: 0 = all cores (the default here), 1 = the caller's thread only. */
    public Compressor threads(int n) { return param(z4ai_swig.Z4AI_C_THREADS, n); }
    public Compressor checksum(boolean on) { return param(z4ai_swig.Z4AI_C_CHECKSUM, on ? 1 : 0); }
    /** Any Z4AI_C_* parameter. */
    public Compressor param(int param, long value) {
        ctx().set_param(param, value);
        return this;
    }
    public long param(int param) { return ctx().get_param(param); }

    /** Tensor shape recorded in the next frames (empty = none). */
    public Compressor shape(long... dims) {
        CCtx c = ctx();
        c.clear_shape();
        for (long d : dims) c.append_shape_dim(d);
        return this;
    }

    /** Content size of the next streamed frame, so its header records it. */
    public Compressor pledgedSize(long size) {
        ctx().set_pledged_size(size);
        return this;
    }

    /** Compress against a reference (checkpoint delta); the bytes are copied. */
    public Compressor reference(byte[] ref) {
        ctx().set_reference(ByteBuffer.wrap(ref == null ? new byte[0] : ref));
        return this;
    }

    /** Compresses data into one frame. */
    public byte[] compress(byte[] data) { return compress(data, 0, data.length); }

    public byte[] compress(byte[] data, int off, int len) {
        byte[] out = new byte[Math.toIntExact(Z4ai.compressBound(len))];
        int n = (int) ctx().compress(ByteBuffer.wrap(out), ByteBuffer.wrap(data, off, len));
        return java.util.Arrays.copyOf(out, n);
    }

    /**
     * Compresses src's remaining bytes into dst (direct buffers: no copy). Advances
     * src.position to its limit and dst.position past the frame; returns the frame size.
     */
    public int compress(ByteBuffer src, ByteBuffer dst) {
        int n = (int) ctx().compress(dst, src);
        src.position(src.limit());
        dst.position(dst.position() + n);
        return n;
    }

    /**
     * One streaming step (endOp: z4ai_swig.Z4AI_CONTINUE, Z4AI_FLUSH or Z4AI_END): consumes
     * from src and writes to dst, advancing both positions. Returns the bytes still
     * waiting to be written; 0 after Z4AI_END means the frame is complete.
     */
    public long compressStream(ByteBuffer dst, ByteBuffer src, int endOp) {
        CCtx c = ctx();
        long remaining = c.compress_stream(dst, src, endOp);
        srcPos = c.last_src_pos();
        dstPos = c.last_dst_pos();
        src.position(src.position() + (int) srcPos);
        dst.position(dst.position() + (int) dstPos);
        return remaining;
    }

    /**
     * .safetensors bytes -> a .zstn container (each tensor its own frame with its own dtype
     * and shape; identical tensors stored once). Uses this context's effort, level, chunk
     * size, checksum and threads; dtype and shape come from each tensor.
     */
    public byte[] compressSafetensors(byte[] safetensors) {
        ByteBuffer in = ByteBuffer.wrap(safetensors);
        byte[] out = new byte[Math.toIntExact(z4ai_swig.safetensors_compress_bound(in))];
        int n = (int) ctx().safetensors_compress(ByteBuffer.wrap(out), in);
        return java.util.Arrays.copyOf(out, n);
    }

    /** .safetensors file -> .zstn file (atomic: a failure leaves no partial file); returns its size. */
    public long compressSafetensors(java.nio.file.Path src, java.nio.file.Path dst) {
        return ctx().safetensors_compress_file(src.toString(), dst.toString());
    }

    /** A fine-tuned .safetensors against its base .safetensors -> a .z4dm model delta. */
    public byte[] compressModelDelta(byte[] fineTune, byte[] base) {
        ByteBuffer in = ByteBuffer.wrap(fineTune);
        byte[] out = new byte[Math.toIntExact(z4ai_swig.safetensors_compress_bound(in))];
        int n = (int) ctx().model_delta_compress(ByteBuffer.wrap(out), in, ByteBuffer.wrap(base));
        return java.util.Arrays.copyOf(out, n);
    }

    /** File form of {@link #compressModelDelta(byte[], byte[])}; returns the .z4dm size. */
    public long compressModelDelta(java.nio.file.Path fineTune, java.nio.file.Path base, java.nio.file.Path dst) {
        return ctx().model_delta_compress_file(fineTune.toString(), base.toString(), dst.toString());
    }

    /** Recommended input size per streaming step. */
    public int streamInSize() { return (int) ctx().stream_in_size(); }

    /** Frees the native context now (idempotent). */
    @Override
    public void close() {
        if (ctx != null) {
            ctx.close();
            ctx.delete();
            ctx = null;
        }
    }

    /** Archives directory src into the new directory dst (a model directory itself, with
     *  z4ai-manifest.json) with this compressor's parameters; replace replaces an existing
     *  archive at dst. */
    public void writeArchive(java.nio.file.Path src, java.nio.file.Path dst, boolean replace) {
        ctx().archive_write(src.toString(), dst.toString(), replace ? z4ai_swig.Z4AI_ARCHIVE_REPLACE : 0);
    }
}
