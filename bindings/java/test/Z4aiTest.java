import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Random;

import org.z4ai.*;

/**
 * Tests of the Java binding, runnable without JUnit: java -cp z4ai.jar:. Z4aiTest [CLI_FRAME INPUT DTYPE]
 * Exits non-zero on the first failure. With the optional arguments it also checks that
 * the Java frame of INPUT equals CLI_FRAME (made by `z4ai compress --dtype DTYPE`).
 */
public class Z4aiTest {
    static int checks;

    static void check(boolean ok, String what) {
        checks++;
        if (!ok) throw new AssertionError(what);
    }

    static byte[] weights(int n, long seed) {
        Random r = new Random(seed);
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) b.putFloat((float) (r.nextGaussian() * 0.02));
        return b.array();
    }

    static Z4aiException expect(Runnable r, String... names) {
        try {
            r.run();
        } catch (Z4aiException e) {
            check(Arrays.asList(names).contains(e.statusName()), "expected " + Arrays.toString(names) + ", got " + e.getMessage());
            check(e.status() < 0 && z4ai_swig.status_name(e.status()).equals(e.statusName()), "status code");
            return e;
        }
        throw new AssertionError("expected " + Arrays.toString(names));
    }

    public static void main(String[] args) throws Exception {
        check(Z4ai.version().matches("\\d+\\.\\d+\\.\\d+"), "version");
        check(Z4ai.dtype("bfloat16") == z4ai_swig.Z4AI_DTYPE_BF16 && Z4ai.dtypeWidth(Z4ai.dtype("fp32")) == 4, "dtypes");
        expect(() -> Z4ai.dtype("no-such-type"), "Z4AI_E_DTYPE_UNKNOWN");

        // One-shot byte[]: round trip, input untouched, frame info.
        byte[] w = weights(250_000, 1);
        byte[] copy = w.clone();
        byte[] frame;
        try (Compressor c = new Compressor().dtype("fp32").effort(Effort.DEFAULT).shape(500, 500)) {
            frame = c.compress(w);
        }
        check(Arrays.equals(w, copy), "input untouched");
        check(frame.length < w.length, "compresses");
        check(Arrays.equals(Z4ai.decompress(frame), w), "round trip byte[]");
        FrameInfo info = Z4ai.frameInfo(frame);
        check(info.dtype == z4ai_swig.Z4AI_DTYPE_FP32 && info.contentSize == w.length
              && info.compressedSize == frame.length && Arrays.equals(info.shape, new long[] {500, 500}), "frame info " + info);
        check(Z4ai.describe(frame).startsWith("{"), "describe");

        // Range decode, level/threads/effort settings.
        try (Decompressor d = new Decompressor()) {
            byte[] part = d.decompressRange(frame, 4000, 1000);
            check(Arrays.equals(part, Arrays.copyOfRange(w, 4000, 5000)), "range");
        }
        try (Compressor c = new Compressor().dtype("fp32").effort(Effort.MAX).level(19).threads(1).checksum(false)) {
            check(Arrays.equals(Z4ai.decompress(c.compress(w)), w), "max effort round trip");
        }

        // Direct ByteBuffers (no copy), with positions and limits honoured.
        ByteBuffer src = ByteBuffer.allocateDirect(w.length + 10);
        src.position(10);
        src.put(w);
        src.position(10);
        ByteBuffer dst = ByteBuffer.allocateDirect((int) Z4ai.compressBound(w.length) + 7);
        dst.position(7);
        int n;
        try (Compressor c = new Compressor().dtype("fp32").shape(500, 500)) {
            n = c.compress(src, dst);
        }
        check(n == frame.length && dst.position() == 7 + n && !src.hasRemaining(), "direct positions");
        byte[] viaDirect = new byte[n];
        dst.position(7);
        dst.get(viaDirect);
        check(Arrays.equals(viaDirect, frame), "direct buffer frame identical to byte[] frame");
        ByteBuffer back = ByteBuffer.allocateDirect(w.length);
        try (Decompressor d = new Decompressor()) {
            d.decompress(ByteBuffer.wrap(frame), back);
        }
        back.flip();
        byte[] backBytes = new byte[back.remaining()];
        back.get(backBytes);
        check(Arrays.equals(backBytes, w), "direct decompress");
        try (Compressor c = new Compressor()) {
            try {
                c.compress(ByteBuffer.wrap(w), ByteBuffer.allocate(100).asReadOnlyBuffer());
                check(false, "read-only output accepted");
            } catch (java.nio.ReadOnlyBufferException expected) {
                checks++;
            }
        }

        // Errors carry the pinned status name.
        byte[] bad = frame.clone();
        bad[bad.length / 2] ^= 0x40;
        expect(() -> Z4ai.decompress(bad), "Z4AI_E_CHECKSUM", "Z4AI_E_CORRUPT");
        expect(() -> Z4ai.decompress(Arrays.copyOf(frame, frame.length / 2)), "Z4AI_E_TRUNCATED", "Z4AI_E_CORRUPT");
        expect(() -> Z4ai.decompress(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}), "Z4AI_E_UNKNOWN_FORMAT");
        Compressor closed = new Compressor();
        closed.close();
        closed.close();
        expect(() -> closed.compress(w), "Z4AI_E_STAGE_WRONG");
        try (Compressor c = new Compressor()) {
            expect(() -> c.param(z4ai_swig.Z4AI_C_EFFORT, 99), "Z4AI_E_PARAM_OUT_OF_BOUNDS");
            check(Arrays.equals(Z4ai.decompress(c.compress(w)), w), "context usable after an error");
        }

        // Streams: bounded buffers, identical frame to one-shot when the size is pledged.
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (Z4aiOutputStream out = new Z4aiOutputStream(sink, new Compressor().dtype("fp32").shape(500, 500).pledgedSize(w.length))) {
            for (int off = 0; off < w.length; off += 77_777) out.write(w, off, Math.min(77_777, w.length - off));
        }
        check(Arrays.equals(sink.toByteArray(), frame), "OutputStream frame identical to one-shot frame");
        byte[] two = concat(frame, frame);
        try (InputStream in = new Z4aiInputStream(new TrickleStream(two, 1000))) {
            check(Arrays.equals(in.readAllBytes(), concat(w, w)), "InputStream over concatenated frames");
        }
        try (InputStream in = new Z4aiInputStream(new ByteArrayInputStream(Arrays.copyOf(frame, frame.length - 5)))) {
            in.readAllBytes();
            check(false, "truncated stream accepted");
        } catch (IOException e) {
            check(e.getCause() instanceof Z4aiException, "IOException caused by Z4aiException: " + e);
        }

        // Delta against a reference.
        byte[] next = w.clone();
        for (int i = 0; i < next.length; i += 4000) next[i] ^= 1;
        byte[] delta;
        try (Compressor c = new Compressor().dtype("fp32").reference(w)) {
            delta = c.compress(next);
        }
        try (Decompressor d = new Decompressor().reference(w)) {
            check(Arrays.equals(d.decompress(delta), next), "delta round trip");
        }
        expect(() -> Z4ai.decompress(delta), "Z4AI_E_REFERENCE_MISSING");

        // 10,000 compress/decompress calls with flat memory: contexts are freed by close().
        // (run_java_test.sh fixes and pre-touches the heap, so RSS growth is native memory)
        byte[] small = Arrays.copyOf(w, 4096);
        long rss0 = 0;
        int loops = System.getenv("Z4AI_QUICK") != null ? 0 : 12_000;
        for (int i = 0; i < loops; i++) {
            if (i == 2000) rss0 = rssKb(); // after warm-up
            byte[] f;
            try (Compressor c = new Compressor().threads(1).dtype("fp32")) {
                f = c.compress(small);
            }
            try (Decompressor d = new Decompressor().threads(1)) {
                byte[] r = d.decompress(f);
                if (i % 1000 == 0) check(Arrays.equals(r, small), "loop round trip");
            }
        }
        long rss1 = rssKb();
        if (loops > 0) check(rss1 - rss0 < 16 * 1024, "memory flat over 10,000 calls: " + rss0 + " -> " + rss1 + " KB");

        // Cross-language: the Java frame equals the CLI's for the same input and dtype.
        if (args.length == 3) {
            byte[] cli = Files.readAllBytes(Paths.get(args[0]));
            byte[] input = Files.readAllBytes(Paths.get(args[1]));
            byte[] mine;
            try (Compressor c = new Compressor().dtype(args[2])) {
                mine = c.compress(input);
            }
            check(Arrays.equals(mine, cli), "Java frame identical to the CLI frame");
            check(Arrays.equals(Z4ai.decompress(cli), input), "Java decodes the CLI frame");
        }
        System.out.println("java binding: " + checks + " checks passed (z4ai " + Z4ai.version() + ", rss " + rss0 + " -> " + rss1 + " KB)");
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status")))
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
        return 0;
    }

    /** Returns at most `step` bytes per read, to exercise partial input. */
    static final class TrickleStream extends ByteArrayInputStream {
        final int step;
        TrickleStream(byte[] b, int step) { super(b); this.step = step; }
        @Override public synchronized int read(byte[] b, int off, int len) { return super.read(b, off, Math.min(len, step)); }
    }
}
