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
        containers(System.getenv("Z4AI_CLI"));
        System.out.println("java binding: " + checks + " checks passed (z4ai " + Z4ai.version() + ", rss " + rss0 + " -> " + rss1 + " KB)");
    }

    /** A .safetensors file: name -> (dtype, shape, bytes), header padded with spaces to 8 bytes. */
    static byte[] safetensors(String[] names, String[] dtypes, long[][] shapes, byte[][] data) {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long off = 0;
        for (int i = 0; i < names.length; i++) {
            h.append(",\"").append(names[i]).append("\":{\"dtype\":\"").append(dtypes[i]).append("\",\"shape\":[");
            for (int d = 0; d < shapes[i].length; d++) h.append(d > 0 ? "," : "").append(shapes[i][d]);
            h.append("],\"data_offsets\":[").append(off).append(",").append(off + data[i].length).append("]}");
            off += data[i].length;
        }
        h.append("}");
        byte[] hb = h.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int hl = (hb.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + hl + (int) off).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(hl).put(hb);
        for (int i = hb.length; i < hl; i++) b.put((byte) ' ');
        for (byte[] d : data) b.put(d);
        return b.array();
    }

    static byte[] cli(String cli, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = cli;
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        check(p.waitFor() == 0, "z4ai " + String.join(" ", args) + ": " + new String(out));
        return out;
    }

    /**
     * The container served over real HTTP (the JDK's HttpServer on 127.0.0.1 answering Range
     * requests with 206) and read through ContainerReader.open(ReadAt, size) with
     * java.net.http range GETs: same bytes, 2 requests to open, 1 per tensor, a 503 reported.
     */
    static void overHttp(byte[] zstn, String[] names, byte[][] data) throws Exception {
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean();
        com.sun.net.httpserver.HttpServer srv =
            com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        srv.createContext("/model.zstn", ex -> {
            requests.incrementAndGet();
            String range = ex.getRequestHeaders().getFirst("Range");
            java.util.regex.Matcher m = range == null ? null : java.util.regex.Pattern.compile("bytes=(\\d+)-(\\d+)").matcher(range);
            if (failing.get() || m == null || !m.matches()) {
                ex.sendResponseHeaders(failing.get() ? 503 : 400, -1);
                ex.close();
                return;
            }
            int a = Integer.parseInt(m.group(1)), b = Math.min(Integer.parseInt(m.group(2)), zstn.length - 1);
            ex.getResponseHeaders().set("Content-Range", "bytes " + a + "-" + b + "/" + zstn.length);
            ex.sendResponseHeaders(206, b - a + 1);
            ex.getResponseBody().write(zstn, a, b - a + 1);
            ex.close();
        });
        srv.start();
        try {
            String url = "http://127.0.0.1:" + srv.getAddress().getPort() + "/model.zstn";
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            ContainerReader.ReadAt get = (offset, dst) -> {
                java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                    .header("Range", "bytes=" + offset + "-" + (offset + dst.remaining() - 1)).build();
                java.net.http.HttpResponse<byte[]> resp;
                try {
                    resp = http.send(req, java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException(e.toString());
                }
                if (resp.statusCode() != 206 || resp.body().length != dst.remaining())
                    throw new java.io.IOException(url + ": HTTP " + resp.statusCode() + ", " + resp.body().length + " bytes");
                dst.put(resp.body());
            };
            try (ContainerReader r = ContainerReader.open(get, zstn.length)) {
                check(requests.get() == 2, "opening over HTTP: " + requests.get() + " requests");
                for (int i = 0; i < names.length; i++) {
                    requests.set(0);
                    check(Arrays.equals(r.readTensor(r.find(names[i])), data[i]), "tensor over HTTP " + names[i]);
                    TensorInfo t = r.tensor(names[i]);
                    check(requests.get() == (t.nbytes == 0 ? 0 : 1), "one request for " + names[i] + ": " + requests.get());
                }
                failing.set(true);
                try {
                    r.readTensor(r.find("model.w"));
                    check(false, "a 503 went unnoticed");
                } catch (Z4aiException e) {
                    check(e.statusName().equals("Z4AI_E_IO") && e.getMessage().contains("HTTP 503"), "503 reported: " + e.getMessage());
                }
            }
        } finally {
            srv.stop(0);
        }
    }

    /** .zstn containers, model deltas and random access; with the CLI path, byte identity with it. */
    static void containers(String cliPath) throws Exception {
        byte[] w = weights(64 * 96, 7);
        byte[] bf = Arrays.copyOf(weights(300, 8), 600);
        byte[] h = Arrays.copyOf(weights(35, 9), 70);
        byte[] sc = Arrays.copyOf(weights(1, 10), 4);
        String[] names = {"model.w", "model.b", "tied.w", "empty", "scalar", "gr\u00fc\u00dfe.h"};
        String[] dtypes = {"F32", "BF16", "F32", "I8", "F32", "F16"};
        long[][] shapes = {{64, 96}, {300}, {64, 96}, {0}, {}, {5, 7}};
        byte[][] data = {w, bf, w, new byte[0], sc, h};
        byte[] st = safetensors(names, dtypes, shapes, data);
        byte[] stCopy = st.clone();

        byte[] zstn = Z4ai.compressSafetensors(st);
        check(Arrays.equals(st, stCopy), "safetensors input untouched");
        check(Z4ai.detectKind(zstn) == z4ai_swig.Z4AI_KIND_CONTAINER && Z4ai.detectKind(st) == z4ai_swig.Z4AI_KIND_SAFETENSORS,
              "detect kind");
        check(zstn.length < st.length, "container smaller: " + zstn.length + " vs " + st.length);
        check(Arrays.equals(Z4ai.decompressSafetensors(zstn), st), ".zstn round trip byte-identical");

        String[] expectNames = {"model.w", "model.b", "tied.w", "empty", "scalar", "gr\u00fc\u00dfe.h"};
        int[] codes = {z4ai_swig.Z4AI_DTYPE_FP32, z4ai_swig.Z4AI_DTYPE_BF16, z4ai_swig.Z4AI_DTYPE_FP32, z4ai_swig.Z4AI_DTYPE_INT8,
                       z4ai_swig.Z4AI_DTYPE_FP32, z4ai_swig.Z4AI_DTYPE_FP16};
        long[] offsets = new long[data.length];
        for (int i = 1; i < data.length; i++) offsets[i] = offsets[i - 1] + data[i - 1].length;
        try (ContainerReader r = ContainerReader.open(zstn)) {
            check(r.kind() == z4ai_swig.Z4AI_KIND_CONTAINER && r.tensorCount() == names.length, "reader kind/count");
            check(r.fileSize() == st.length, "file size");
            for (int i = 0; i < names.length; i++) {
                TensorInfo t = r.tensor(r.find(expectNames[i]));
                check(t.name.equals(expectNames[i]) && t.dtype == codes[i]
                      && Arrays.equals(t.shape, shapes[i]) && t.nbytes == data[i].length && t.dataOffset == offsets[i],
                      "tensor info " + t);
                check(Arrays.equals(r.readTensor(t.index), data[i]), "read tensor " + t.name);
            }
            TensorInfo tied = r.tensor("tied.w");
            check(tied.method == z4ai_swig.Z4AI_TENSOR_SAME && tied.ref == r.find("model.w") && tied.storedSize == 0,
                  "tied tensor stored once: " + tied);
            check(r.tensor("model.w").method == z4ai_swig.Z4AI_TENSOR_FRAME && r.tensor("model.w").storedSize > 0, "own frame");
            int wi = r.find("model.w");
            check(Arrays.equals(r.readElements(wi, 1000, 333), Arrays.copyOfRange(w, 4000, 4000 + 333 * 4)), "element range");
            ByteBuffer direct = ByteBuffer.allocateDirect(w.length + 3);
            direct.position(3);
            check(r.readTensor(wi, direct) == w.length && direct.position() == 3 + w.length, "read into a direct buffer");
            byte[] back = new byte[w.length];
            direct.position(3);
            direct.get(back);
            check(Arrays.equals(back, w), "direct buffer contents");
            expect(() -> r.find("nope"), "Z4AI_E_NOT_FOUND");
            expect(() -> r.readElements(wi, 64 * 96 - 10, 11), "Z4AI_E_PARAM_OUT_OF_BOUNDS");
            expect(() -> r.tensor(99), "Z4AI_E_PARAM_OUT_OF_BOUNDS", "Z4AI_E_NOT_FOUND", "Z4AI_E_INVALID_ARGUMENT");
            String header = new String(st, 8, (int) ByteBuffer.wrap(st).order(ByteOrder.LITTLE_ENDIAN).getLong(0), "UTF-8");
            check(r.headerJson().equals(header), "header JSON verbatim");
            check(r.describe().contains("tied.w"), "describe");
            check(Arrays.equals(r.restore(), st), "restore");
        }
        ContainerReader closedReader = ContainerReader.open(zstn);
        closedReader.close();
        closedReader.close();
        expect(() -> closedReader.tensorCount(), "Z4AI_E_STAGE_WRONG");

        overHttp(zstn, names, data);

        // Plain .safetensors through the same reader.
        try (ContainerReader r = ContainerReader.open(st)) {
            check(r.kind() == z4ai_swig.Z4AI_KIND_SAFETENSORS && r.tensor("model.b").method == z4ai_swig.Z4AI_TENSOR_RAW, "raw reader");
            check(Arrays.equals(r.readTensor("model.b"), bf), "raw read");
        }

        // Hostile input: an error, never a crash.
        expect(() -> Z4ai.decompressSafetensors(Arrays.copyOf(zstn, zstn.length - 9)), "Z4AI_E_TRUNCATED", "Z4AI_E_CORRUPT");
        expect(() -> ContainerReader.open(Arrays.copyOf(zstn, 20)), "Z4AI_E_TRUNCATED", "Z4AI_E_CORRUPT", "Z4AI_E_UNKNOWN_FORMAT");
        byte[] flipped = zstn.clone();
        flipped[zstn.length / 3] ^= 0x10;
        expect(() -> Z4ai.decompressSafetensors(flipped), "Z4AI_E_CHECKSUM", "Z4AI_E_CORRUPT");
        expect(() -> Z4ai.compressSafetensors(Arrays.copyOf(st, 40)), "Z4AI_E_SAFETENSORS_INVALID");

        // Model delta: a fine-tune of st.
        byte[] w2 = w.clone();
        for (int i = 0; i < w2.length; i += 64) w2[i] ^= 3;
        byte[] fine = safetensors(names, dtypes, shapes, new byte[][] {w2, bf, w, new byte[0], sc, h});
        byte[] delta;
        try (Compressor c = new Compressor()) {
            delta = c.compressModelDelta(fine, st);
        }
        check(Z4ai.detectKind(delta) == z4ai_swig.Z4AI_KIND_MODEL_DELTA && delta.length < zstn.length, "model delta smaller");
        try (Decompressor d = new Decompressor()) {
            check(Arrays.equals(d.decompressModelDelta(delta, st), fine), "model delta round trip");
            expect(() -> d.decompressModelDelta(delta, fine), "Z4AI_E_REFERENCE_MISMATCH");
        }
        try (ContainerReader r = ContainerReader.open(delta)) {
            check(r.kind() == z4ai_swig.Z4AI_KIND_MODEL_DELTA, "delta reader kind");
            expect(() -> r.readTensor("model.w"), "Z4AI_E_REFERENCE_MISSING");
            r.attachBase(st);
            check(r.tensor("model.b").method == z4ai_swig.Z4AI_TENSOR_BASE_COPY, "unchanged tensor is a base copy");
            check(Arrays.equals(r.readTensor("model.w"), w2) && Arrays.equals(r.readTensor("model.b"), bf), "delta reader reads");
        }

        if (cliPath == null) return;
        java.nio.file.Path dir = Files.createTempDirectory("z4ai-java-containers");
        try {
            java.nio.file.Path stFile = dir.resolve("m.safetensors"), fineFile = dir.resolve("f.safetensors");
            Files.write(stFile, st);
            Files.write(fineFile, fine);
            cli(cliPath, "compress", "-q", "-f", stFile.toString(), "-o", dir.resolve("cli.zstn").toString());
            byte[] cliZstn = Files.readAllBytes(dir.resolve("cli.zstn"));
            check(Arrays.equals(cliZstn, zstn), "Java .zstn identical to the CLI's");
            try (Compressor c = new Compressor()) {
                check(c.compressSafetensors(stFile, dir.resolve("java.zstn")) == zstn.length, "file compress size");
            }
            check(Arrays.equals(Files.readAllBytes(dir.resolve("java.zstn")), zstn), "file compress bytes");
            cli(cliPath, "decompress", "-q", "-f", dir.resolve("java.zstn").toString(), "-o", dir.resolve("cli.safetensors").toString());
            check(Arrays.equals(Files.readAllBytes(dir.resolve("cli.safetensors")), st), "CLI restores the Java .zstn");
            try (Decompressor d = new Decompressor()) {
                check(d.decompressSafetensors(dir.resolve("cli.zstn"), dir.resolve("java.safetensors")) == st.length, "file decompress");
            }
            check(Arrays.equals(Files.readAllBytes(dir.resolve("java.safetensors")), st), "Java restores the CLI .zstn");
            cli(cliPath, "extract", dir.resolve("cli.zstn").toString(), "model.w", "-o", dir.resolve("el.bin").toString(),
                "--elements", "1000:1333");
            try (ContainerReader r = ContainerReader.open(dir.resolve("cli.zstn"))) {
                check(Arrays.equals(r.readElements(r.find("model.w"), 1000, 333), Files.readAllBytes(dir.resolve("el.bin"))),
                      "element range equals the CLI's extract");
                check(r.ioBytes() < cliZstn.length, "file reader read only what it needed: " + r.ioBytes());
                check(r.tensors().size() == names.length, "file reader lists");
            }
            cli(cliPath, "compress", "-q", "-f", "--reference", stFile.toString(), fineFile.toString(), "-o",
                dir.resolve("cli.z4dm").toString());
            check(Arrays.equals(Files.readAllBytes(dir.resolve("cli.z4dm")), delta), "Java .z4dm identical to the CLI's");
            try (Decompressor d = new Decompressor()) {
                d.decompressModelDelta(dir.resolve("cli.z4dm"), stFile, dir.resolve("fine.out"));
            }
            check(Arrays.equals(Files.readAllBytes(dir.resolve("fine.out")), fine), "Java restores the CLI .z4dm");
        } finally {
            try (java.util.stream.Stream<java.nio.file.Path> s = Files.list(dir)) {
                for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) s::iterator) Files.delete(p);
            }
            Files.delete(dir);
        }
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
