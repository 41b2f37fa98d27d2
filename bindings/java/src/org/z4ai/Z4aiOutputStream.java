package org.z4ai;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Compresses everything written into one z4ai frame on the underlying stream, in bounded
 * memory; {@link #close} ends the frame (and closes the underlying stream).
 * <pre>
 * try (Z4aiOutputStream out = new Z4aiOutputStream(new FileOutputStream(f), new Compressor().dtype("bf16"))) {
 *     in.transferTo(out);
 * }
 * </pre>
 */
public class Z4aiOutputStream extends FilterOutputStream {
    private final Compressor c;
    private final ByteBuffer in, out;
    private boolean finished;

    /** Takes ownership of the compressor (closed with the stream). */
    public Z4aiOutputStream(OutputStream sink, Compressor compressor) {
        super(sink);
        this.c = compressor;
        this.in = ByteBuffer.allocate(compressor.streamInSize());
        this.out = ByteBuffer.allocate(Math.toIntExact(Z4ai.compressBound(in.capacity())));
    }

    public Z4aiOutputStream(OutputStream sink) { this(sink, new Compressor()); }

    @Override
    public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) throw new IOException("stream is closed");
        while (len > 0) {
            int n = Math.min(len, in.remaining());
            in.put(b, off, n);
            off += n;
            len -= n;
            if (!in.hasRemaining()) step(z4ai_swig.Z4AI_CONTINUE);
        }
    }

    private void step(int endOp) throws IOException {
        in.flip();
        long remaining;
        do {
            out.clear();
            try {
                remaining = c.compressStream(out, in, endOp);
            } catch (Z4aiException e) {
                throw new IOException(e.getMessage(), e);
            }
            drain();
        } while (in.hasRemaining() || (endOp != z4ai_swig.Z4AI_CONTINUE && remaining > 0));
        in.clear();
    }

    private void drain() throws IOException {
        out.flip();
        super.out.write(out.array(), out.arrayOffset(), out.remaining());
    }

    /** Emits the input buffered so far as a (short) chunk; the frame stays open. */
    @Override
    public void flush() throws IOException {
        if (!finished) step(z4ai_swig.Z4AI_FLUSH);
        super.out.flush();
    }

    /** Ends the frame without closing the underlying stream. */
    public void finish() throws IOException {
        if (finished) return;
        step(z4ai_swig.Z4AI_END);
        finished = true;
        c.close();
    }

    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            c.close();
            super.out.close();
        }
    }
}
