package org.z4ai;

import java.util.Arrays;

/** One tensor of a container (.zstn / .z4dm) or .safetensors file, as listed by {@link ContainerReader}. */
public final class TensorInfo {
    /** Position in the file's index (what {@link ContainerReader#readTensor(int)} takes). */
    public final int index;
    /** Name (exact UTF-8 decoding, NUL escapes included). */
    public final String name;
    /** dtype code (see {@link Z4ai#dtypeName}). */
    public final int dtype;
    /** Storage method: z4ai_swig.Z4AI_TENSOR_FRAME, _SAME, _EMPTY, _BASE_COPY, _BASE_DELTA, _RAW. */
    public final int method;
    /** Shape (empty for a scalar). */
    public final long[] shape;
    /** SAME / BASE_COPY / BASE_DELTA: the tensor it refers to. */
    public final long ref;
    /** Decoded size in bytes. */
    public final long nbytes;
    /** Byte offset in the .safetensors data section. */
    public final long dataOffset;
    /** Bytes of its frame in the container (0 if none). */
    public final long storedSize;

    TensorInfo(int index, String name, int dtype, int method, long[] shape, long ref, long nbytes, long dataOffset,
               long storedSize) {
        this.index = index;
        this.name = name;
        this.dtype = dtype;
        this.method = method;
        this.shape = shape;
        this.ref = ref;
        this.nbytes = nbytes;
        this.dataOffset = dataOffset;
        this.storedSize = storedSize;
    }

    public String dtypeName() { return Z4ai.dtypeName(dtype); }

    /** Number of elements (product of the shape; 1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    @Override
    public String toString() {
        return "TensorInfo{" + index + " " + name + " " + dtypeName() + Arrays.toString(shape) + ", nbytes=" + nbytes
            + ", method=" + method + ", dataOffset=" + dataOffset + ", storedSize=" + storedSize + "}";
    }
}
