package org.z4ai;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Decompresses the z4ai frames read from the underlying stream (concatenated frames one
 * after another) in bounded memory. A stream that ends inside a frame is an IOException
 * whose cause is a {@link Z4aiException} (Z4AI_E_TRUNCATED).
 */
public class Z4aiInputStream extends FilterInputStream {
    private final Decompressor d;
    private final ByteBuffer in = ByteBuffer.allocate(1 << 20); // heap: read into directly
    private final ByteBuffer out;
    private boolean eof, inFrame, seen;

    public Z4aiInputStream(InputStream source, Decompressor decompressor) {
        super(source);
        this.d = decompressor;
        this.out = ByteBuffer.allocate(decompressor.streamOutSize());
        in.flip();
        out.flip();
    }

    public Z4aiInputStream(InputStream source) { this(source, new Decompressor()); }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (!out.hasRemaining()) {
            if (!fill()) return -1;
        }
        int n = Math.min(len, out.remaining());
        out.get(b, off, n);
        return n;
    }

    /** Appends what the source has to the unconsumed input. */
    private void refill() throws IOException {
        in.compact();
        int n = super.in.read(in.array(), in.arrayOffset() + in.position(), in.remaining());
        if (n < 0) eof = true;
        else {
            in.position(in.position() + n);
            if (n > 0) seen = true;
        }
        in.flip();
    }

    /** Decodes more output; false at the clean end of the input. */
    private boolean fill() throws IOException {
        for (;;) {
            if (!in.hasRemaining() && !eof) refill();
            if (!in.hasRemaining() && eof && !inFrame) {
                if (!seen) throw truncated("empty input");
                return false;
            }
            out.clear();
            int before = in.position();
            long remaining;
            try {
                remaining = d.decompressStream(out, in);
            } catch (Z4aiException e) {
                throw new IOException(e.getMessage(), e);
            }
            out.flip();
            inFrame = remaining != 0;
            if (out.hasRemaining()) return true;
            if (in.position() == before) { // no progress: the decoder needs more input
                if (eof) {
                    if (inFrame || in.hasRemaining()) throw truncated("input ended inside a frame");
                    return false;
                }
                refill();
            }
        }
    }

    private static IOException truncated(String what) {
        Z4aiException e = new Z4aiException(z4ai_swig.Z4AI_E_TRUNCATED, "Z4AI_E_TRUNCATED", what);
        return new IOException(e.getMessage(), e);
    }

    @Override
    public int available() { return out.remaining(); }

    @Override
    public boolean markSupported() { return false; }

    @Override
    public void close() throws IOException {
        try {
            d.close();
        } finally {
            super.close();
        }
    }
}
