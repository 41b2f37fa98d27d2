package org.z4ai;

import java.nio.ByteBuffer;

/**
 * z4ai for Java: one-shot helpers, dtype names, frame inspection. For more control use
 * {@link Compressor} / {@link Decompressor}; for streams {@link Z4aiOutputStream} /
 * {@link Z4aiInputStream}. Every failure is a {@link Z4aiException} with the pinned
 * status name. Inputs are never modified.
 */
public final class Z4ai {
    private Z4ai() {}

    /** Version of the native library, "MAJOR.MINOR.PATCH". */
    public static String version() { return z4ai_swig.version_string(); }

    /** dtype code of a name or alias ("bf16", "bfloat16", "float32", ...). */
    public static int dtype(String name) { return z4ai_swig.dtype_from_name(name); }

    /** Canonical name of a dtype code. */
    public static String dtypeName(int code) { return z4ai_swig.dtype_name(code); }

    /** Element width in bytes of a dtype code. */
    public static int dtypeWidth(int code) { return (int) z4ai_swig.dtype_width(code); }

    /** Worst-case frame size for n input bytes. */
    public static long compressBound(long n) { return z4ai_swig.compress_bound(n); }

    /** Compresses data (dtype name, or null for raw bytes) with the default effort. */
    public static byte[] compress(byte[] data, String dtype) {
        try (Compressor c = new Compressor()) {
            if (dtype != null) c.dtype(dtype);
            return c.compress(data);
        }
    }

    /** Decompresses one complete frame. */
    public static byte[] decompress(byte[] frame) {
        try (Decompressor d = new Decompressor()) {
            return d.decompress(frame);
        }
    }

    /** Header facts of the frame at the start of the buffer. */
    public static FrameInfo frameInfo(byte[] frame) { return FrameInfo.of(ByteBuffer.wrap(frame)); }

    /** Header facts of the frame in [position, limit) of the buffer (position unchanged). */
    public static FrameInfo frameInfo(ByteBuffer frame) { return FrameInfo.of(frame); }

    /** JSON description of a complete frame (header and per-chunk breakdown). */
    public static String describe(byte[] frame) { return z4ai_swig.frame_describe(ByteBuffer.wrap(frame)); }
}
