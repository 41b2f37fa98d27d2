package org.z4ai;

import java.nio.ByteBuffer;

/** A decompression context (native memory released by {@link #close}). */
public final class Decompressor implements AutoCloseable {
    private DCtx ctx = new DCtx();

    public Decompressor() { ctx.set_param(z4ai_swig.Z4AI_D_THREADS, 0); }

    private DCtx ctx() {
        if (ctx == null) throw new Z4aiException(z4ai_swig.Z4AI_E_STAGE_WRONG, "Z4AI_E_STAGE_WRONG", "decompressor is closed");
        return ctx;
    }

    public Decompressor threads(int n) { return param(z4ai_swig.Z4AI_D_THREADS, n); }
    public Decompressor verifyChecksum(boolean on) { return param(z4ai_swig.Z4AI_D_VERIFY_CHECKSUM, on ? 1 : 0); }
    public Decompressor param(int param, long value) {
        ctx().set_param(param, value);
        return this;
    }

    /** Reference for delta frames (copied). */
    public Decompressor reference(byte[] ref) {
        ctx().set_reference(ByteBuffer.wrap(ref == null ? new byte[0] : ref));
        return this;
    }

    /** Decompresses one complete frame. */
    public byte[] decompress(byte[] frame) {
        FrameInfo info = Z4ai.frameInfo(frame);
        if (info.contentSize < 0)
            throw new Z4aiException(z4ai_swig.Z4AI_E_TRUNCATED, "Z4AI_E_TRUNCATED", "content size unknown: incomplete frame");
        byte[] out = new byte[Math.toIntExact(info.contentSize)];
        long n = ctx().decompress(ByteBuffer.wrap(out), ByteBuffer.wrap(frame));
        return n == out.length ? out : java.util.Arrays.copyOf(out, (int) n);
    }

    /** Decompresses the frame in src's remaining bytes into dst; advances both; returns the content size. */
    public int decompress(ByteBuffer src, ByteBuffer dst) {
        int n = (int) ctx().decompress(dst, src);
        src.position(src.limit());
        dst.position(dst.position() + n);
        return n;
    }

    /** Content bytes [offset, offset + length) of a frame, decoding only the chunks it needs. */
    public byte[] decompressRange(byte[] frame, long offset, int length) {
        byte[] out = new byte[length];
        long n = ctx().decompress_range(ByteBuffer.wrap(out), ByteBuffer.wrap(frame), offset, length);
        return n == length ? out : java.util.Arrays.copyOf(out, (int) n);
    }

    /** One streaming step; advances both positions. Returns 0 once the frame is complete. */
    public long decompressStream(ByteBuffer dst, ByteBuffer src) {
        DCtx d = ctx();
        long remaining = d.decompress_stream(dst, src);
        src.position(src.position() + (int) d.last_src_pos());
        dst.position(dst.position() + (int) d.last_dst_pos());
        return remaining;
    }

    /** Recommended output size per streaming step. */
    public int streamOutSize() { return (int) ctx().stream_out_size(); }

    @Override
    public void close() {
        if (ctx != null) {
            ctx.close();
            ctx.delete();
            ctx = null;
        }
    }
}
