package org.z4ai;

import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Random access into a .zstn container, a .z4dm model delta (after {@link #attachBase}) or a
 * plain .safetensors file: list the tensors, decode one tensor or an element range of one,
 * reading and decoding only the frames (for ranges: only the chunks) it needs. Native memory
 * is released by {@link #close}. Not thread-safe.
 * <pre>
 * try (ContainerReader r = ContainerReader.open(Paths.get("model.zstn"))) {
 *     for (TensorInfo t : r.tensors()) System.out.println(t);
 *     byte[] w = r.readTensor("layer.0.weight");
 * }
 * </pre>
 */
public final class ContainerReader implements AutoCloseable {
    private Reader r = new Reader();
    private ReadAt source; // set when opened over a read-at source (remote, channel)

    /**
     * A read-at source: fills {@code dst}'s remaining bytes with the input bytes starting at
     * {@code offset} (an HTTP range GET, an object-store read, a file channel...). It must
     * fill them all or throw. Called from the thread using the reader.
     */
    @FunctionalInterface
    public interface ReadAt {
        void readFully(long offset, ByteBuffer dst) throws java.io.IOException;
    }

    /** First sizes fetched to open over a read-at source: the prefix, and the trailer plus the
     *  index of a container with a few dozen tensors (a bigger index costs one read more). */
    private static final int HEAD_BYTES = 64, TAIL_BYTES = 8192 - 64;

    private ContainerReader() { r.set_param(z4ai_swig.Z4AI_D_THREADS, 0); }

    /** Opens a container, model delta or .safetensors held in memory (the bytes are copied). */
    public static ContainerReader open(byte[] data) {
        ContainerReader c = new ContainerReader();
        try {
            c.r.open_memory(ByteBuffer.wrap(data));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Opens a file; only the prefix, trailer and index are read now. */
    public static ContainerReader open(Path path) {
        ContainerReader c = new ContainerReader();
        try {
            c.r.open_file(path.toString());
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Opens an input of {@code size} bytes read through {@code src}: its first 64 and last 8 KiB
     * now (more if its index is bigger), then each tensor with one read of its frame. The
     * reads happen in Java; the native reader decodes what they return.
     */
    public static ContainerReader open(ReadAt src, long size) throws java.io.IOException {
        ContainerReader c = new ContainerReader();
        try {
            long head = Math.min(HEAD_BYTES, size), tail = Math.min(TAIL_BYTES, size);
            ByteBuffer h = null, t = null;
            for (int round = 0;; round++) {
                if (h == null || h.capacity() < head) h = fetch(src, 0, head);
                if (t == null || t.capacity() < tail) t = fetch(src, size - tail, tail);
                if (c.r.open_parts(size, h.duplicate(), t.duplicate()) == 0) break;
                if (round == 3) throw new java.io.IOException("container still incomplete after " + round + " rounds");
                head = Math.max(head, c.r.parts_head_needed());
                tail = Math.max(tail, c.r.parts_tail_needed());
            }
            c.source = src;
        } catch (RuntimeException | java.io.IOException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Opens a container read through a channel (e.g. {@code FileChannel.open(path)}); reads are
     *  positioned and serialised on the channel. The channel stays the caller's to close. */
    public static ContainerReader open(SeekableByteChannel ch) throws java.io.IOException {
        return open((offset, dst) -> {
            synchronized (ch) {
                ch.position(offset);
                while (dst.hasRemaining())
                    if (ch.read(dst) < 0) throw new java.io.EOFException("channel ended at " + ch.position());
            }
        }, ch.size());
    }

    private static ByteBuffer fetch(ReadAt src, long offset, long n) throws java.io.IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(n));
        src.readFully(offset, b);
        if (b.hasRemaining()) throw new java.io.EOFException("read-at source returned " + b.position() + " of " + n + " bytes");
        b.flip();
        return b;
    }

    /** Decodes tensor index into dst (at least its size) from its frame, read through the source. */
    private int readFromSource(int index, ByteBuffer dst) {
        Reader n = r();
        long off = n.tensor_extent_offset(index), size = n.tensor_extent_size(index);
        ByteBuffer stored;
        try {
            stored = fetch(source, off, size);
        } catch (java.io.IOException e) {
            throw new Z4aiException(z4ai_swig.Z4AI_E_IO, "Z4AI_E_IO",
                                    "reading bytes " + off + "-" + (off + size - 1) + " failed: " + e);
        }
        return (int) n.read_tensor_from(index, stored, off, dst);
    }

    private Reader r() {
        if (r == null) throw new Z4aiException(z4ai_swig.Z4AI_E_STAGE_WRONG, "Z4AI_E_STAGE_WRONG", "reader is closed");
        return r;
    }

    /** Any Z4AI_D_* parameter that applies to readers (threads, max memory, checksum, base check). */
    public ContainerReader param(int param, long value) {
        r().set_param(param, value);
        return this;
    }
    public ContainerReader threads(int n) { return param(z4ai_swig.Z4AI_D_THREADS, n); }

    /** z4ai_swig.Z4AI_KIND_CONTAINER, _MODEL_DELTA or _SAFETENSORS. */
    public int kind() { return r().kind(); }

    /** Model delta: the base .safetensors it was made against (copied). */
    public ContainerReader attachBase(byte[] base) {
        r().attach_base(ByteBuffer.wrap(base));
        return this;
    }

    public int tensorCount() { return Math.toIntExact(r().tensor_count()); }

    /** Index of the tensor called name; Z4aiException Z4AI_E_NOT_FOUND if absent. */
    public int find(String name) { return (int) r().find(ByteBuffer.wrap(name.getBytes(StandardCharsets.UTF_8))); }

    public TensorInfo tensor(int index) {
        Reader n = r();
        byte[] name = new byte[Math.toIntExact(n.tensor_name_size(index))];
        n.tensor_name_bytes(index, ByteBuffer.wrap(name));
        long[] shape = new long[(int) n.tensor_ndim(index)];
        for (int d = 0; d < shape.length; d++) shape[d] = n.tensor_dim(index, d);
        return new TensorInfo(index, new String(name, StandardCharsets.UTF_8), n.tensor_dtype(index), n.tensor_method(index),
                              shape, n.tensor_ref(index), n.tensor_nbytes(index), n.tensor_data_offset(index),
                              n.tensor_stored_size(index));
    }

    public TensorInfo tensor(String name) { return tensor(find(name)); }

    /** Every tensor, in index order. */
    public List<TensorInfo> tensors() {
        int n = tensorCount();
        List<TensorInfo> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(tensor(i));
        return list;
    }

    /** The decoded bytes of one tensor. */
    public byte[] readTensor(int index) {
        byte[] out = new byte[Math.toIntExact(r().tensor_nbytes(index))];
        if (source != null) readFromSource(index, ByteBuffer.wrap(out));
        else r().read_tensor(index, ByteBuffer.wrap(out));
        return out;
    }

    public byte[] readTensor(String name) { return readTensor(find(name)); }

    /** Decodes one tensor into dst's remaining bytes (direct buffers: no copy); advances dst. */
    public int readTensor(int index, ByteBuffer dst) {
        int n = source != null ? readFromSource(index, dst) : (int) r().read_tensor(index, dst);
        dst.position(dst.position() + n);
        return n;
    }

    /** Elements [first, first + count) of one tensor (row-major), decoding only the chunks that hold them. */
    public byte[] readElements(int index, long first, int count) {
        long width = Z4ai.dtypeWidth(r().tensor_dtype(index));
        byte[] out = new byte[Math.toIntExact(width * count)];
        long n = r().read_elements(index, first, count, ByteBuffer.wrap(out));
        return n == out.length ? out : java.util.Arrays.copyOf(out, (int) n);
    }

    /** Like {@link #readElements(int, long, int)} into dst's remaining bytes; advances dst. */
    public int readElements(int index, long first, long count, ByteBuffer dst) {
        int n = (int) r().read_elements(index, first, count, dst);
        dst.position(dst.position() + n);
        return n;
    }

    /** The original header JSON (with __metadata__ and padding). */
    public String headerJson() { return r().header_json(); }

    /** JSON description: kind, sizes and every tensor. */
    public String describe() { return r().describe(); }

    /** Size of the .safetensors file the input restores to. */
    public long fileSize() { return r().file_size(); }

    /** The whole .safetensors file, byte for byte. */
    public byte[] restore() {
        byte[] out = new byte[Math.toIntExact(fileSize())];
        r().restore(ByteBuffer.wrap(out));
        return out;
    }

    /** Restores the whole .safetensors file into a file (atomically). */
    public void restore(Path dst) { r().restore_file(dst.toString()); }

    /** Read calls / bytes the input has served since it was opened. */
    public long ioCalls() { return r().io_calls(); }
    public long ioBytes() { return r().io_bytes(); }

    @Override
    public void close() {
        if (r != null) {
            r.close();
            r.delete();
            r = null;
        }
    }
}
