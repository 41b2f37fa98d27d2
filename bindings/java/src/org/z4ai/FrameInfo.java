package org.z4ai;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** What a frame header records: dtype, sizes and the tensor shape. */
public final class FrameInfo {
    /** dtype code (see {@link Z4ai#dtypeName}). */
    public final int dtype;
    /** Content size in bytes, or -1 if a streamed frame's header did not record it. */
    public final long contentSize;
    /** Byte length of the complete frame, or -1 if only a prefix was given. */
    public final long compressedSize;
    /** Tensor shape (empty if none was recorded). */
    public final long[] shape;

    private FrameInfo(int dtype, long contentSize, long compressedSize, long[] shape) {
        this.dtype = dtype;
        this.contentSize = contentSize;
        this.compressedSize = compressedSize;
        this.shape = shape;
    }

    static FrameInfo of(ByteBuffer frame) {
        int dtype = z4ai_swig.frame_dtype(frame);
        long content = z4ai_swig.frame_content_size(frame);
        long compressed;
        try {
            compressed = z4ai_swig.frame_compressed_size(frame);
        } catch (Z4aiException e) {
            compressed = -1;
        }
        int ndim = (int) z4ai_swig.frame_ndim(frame);
        long[] shape = new long[ndim];
        for (int i = 0; i < ndim; i++) shape[i] = z4ai_swig.frame_dim(frame, i);
        return new FrameInfo(dtype, content, compressed, shape);
    }

    public String dtypeName() { return Z4ai.dtypeName(dtype); }

    @Override
    public String toString() {
        return "FrameInfo{dtype=" + dtypeName() + ", contentSize=" + contentSize + ", compressedSize=" + compressedSize
            + ", shape=" + Arrays.toString(shape) + "}";
    }
}
