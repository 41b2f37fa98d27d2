import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.z4ai.*;

/**
 * Golden vectors (tests/golden/manifest.json) through the Java binding, and encoder
 * determinism: java -cp z4ai.jar:. GoldenTest GOLDEN_DIR [Z4AI_CLI]
 * Every frame decodes to its SHA-256 (a delta frame with its reference); every .zstn /
 * .z4dm restores to the recorded .safetensors bytes and every tensor, read alone
 * through ContainerReader, to its own SHA-256 and method. Then each vector's input
 * compressed with its parameters gives the same bytes at 1 and 2 threads, one-shot and
 * streamed, and the same bytes as the CLI at -T 1 and -T 2. Exits non-zero on failure.
 */
public class GoldenTest {
    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    // ---- a minimal JSON reader (objects, arrays, strings, numbers, literals) ------
    static final class Json {
        final String s;
        int i;

        Json(String s) { this.s = s; }

        void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

        Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                ws();
                if (s.charAt(i) == '}') { i++; return m; }
                while (true) {
                    ws();
                    String k = (String) value();
                    ws();
                    check(s.charAt(i++) == ':', "json: ':' expected at " + i);
                    m.put(k, value());
                    ws();
                    if (s.charAt(i++) == '}') return m;
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                ws();
                if (s.charAt(i) == ']') { i++; return l; }
                while (true) {
                    l.add(value());
                    ws();
                    if (s.charAt(i++) == ']') return l;
                }
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder();
                for (i++; s.charAt(i) != '"'; i++) {
                    char d = s.charAt(i);
                    if (d == '\\') {
                        d = s.charAt(++i);
                        if (d == 'u') { b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16)); i += 4; continue; }
                        d = d == 'n' ? '\n' : d == 't' ? '\t' : d == 'r' ? '\r' : d == 'b' ? '\b' : d == 'f' ? '\f' : d;
                    }
                    b.append(d);
                }
                i++;
                return b.toString();
            }
            for (String lit : new String[] {"null", "true", "false"})
                if (s.startsWith(lit, i)) { i += lit.length(); return lit.equals("null") ? null : Boolean.valueOf(lit); }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            return Long.parseLong(s.substring(start, i));
        }
    }

    static String sha(byte[] b) throws Exception {
        StringBuilder h = new StringBuilder();
        for (byte x : MessageDigest.getInstance("SHA-256").digest(b)) h.append(String.format("%02x", x));
        return h.toString();
    }

    static Path frames;

    static byte[] file(String name) throws Exception { return Files.readAllBytes(frames.resolve(name)); }

    @SuppressWarnings("unchecked")
    static List<String> args(Map<String, Object> e) { return (List<String>) (List<?>) e.get("args"); }

    /** A Compressor set up from the CLI arguments recorded in the manifest. */
    static Compressor compressor(Map<String, Object> e, int threads, byte[] ref) {
        Compressor c = new Compressor().threads(threads);
        List<String> a = args(e);
        for (int i = 0; i < a.size(); i++) {
            switch (a.get(i)) {
                case "--dtype": c.dtype(a.get(++i)); break;
                case "--effort": c.effort(Effort.valueOf(a.get(++i).toUpperCase())); break;
                case "--chunk-size": c.param(z4ai_swig.Z4AI_C_CHUNK_SIZE, Long.parseLong(a.get(++i))); break;
                case "--shape": c.shape(Arrays.stream(a.get(++i).split(",")).mapToLong(Long::parseLong).toArray()); break;
                case "--no-checksum": c.checksum(false); break;
                case "--reference": i++; break;  // the entry's "reference" names the committed file
                default: check(a.get(i).startsWith("("), "unexpected recorded argument " + a.get(i));
            }
        }
        if (ref != null) c.reference(ref);
        return c;
    }

    static byte[] cli(String cli, Map<String, Object> e, byte[] data, int threads) throws Exception {
        Path dir = Files.createTempDirectory("z4ai-golden");
        try {
            Path src = dir.resolve(e.get("kind") != null ? "in.safetensors" : "in"), out = dir.resolve("out");
            Files.write(src, data);
            List<String> cmd = new ArrayList<>(Arrays.asList(cli, "compress", "-q", "-f", src.toString(), "-o",
                                                             out.toString(), "-T", Integer.toString(threads)));
            if (e.get("reference") != null) cmd.addAll(Arrays.asList("--reference", frames.resolve((String) e.get("reference")).toString()));
            List<String> a = args(e);
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).equals("--reference")) i++;
                else if (!a.get(i).startsWith("(")) cmd.add(a.get(i));
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] msg = p.getInputStream().readAllBytes();
            check(p.waitFor() == 0, cmd + ": " + new String(msg));
            return Files.readAllBytes(out);
        } finally {
            for (String f : new String[] {"in", "in.safetensors", "out"}) Files.deleteIfExists(dir.resolve(f));
            Files.delete(dir);
        }
    }

    /**
     * A directory archive (the CLI's DIR.z4ai/) restored through the binding's DirectoryArchive
     * (the C library's one implementation): member by member, then as a whole.
     */
    static Map<String, byte[]> restoreDir(String name) throws Exception {
        Map<String, byte[]> out = new HashMap<>();
        try (DirectoryArchive a = DirectoryArchive.open(frames.resolve(name))) {
            for (int i = 0; i < a.memberCount(); i++)
                if (a.kind(i) != z4ai_swig.Z4AI_MEMBER_DIRECTORY) out.put(a.path(i), a.read(i));
            Path tmp = Files.createTempDirectory("z4ai-golden-dir");
            Path dst = tmp.resolve("restored");
            try {
                a.restore(dst);
                for (Map.Entry<String, byte[]> e : out.entrySet())
                    check(Arrays.equals(Files.readAllBytes(dst.resolve(e.getKey())), e.getValue()),
                          name + ": restored " + e.getKey() + " differs");
            } finally {
                try (java.util.stream.Stream<Path> w = Files.walk(tmp)) {
                    w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        return out;
    }

    static final Map<Integer, String> METHODS = new HashMap<>();

    @SuppressWarnings("unchecked")
    public static void main(String[] argv) throws Exception {
        METHODS.put(z4ai_swig.Z4AI_TENSOR_EMPTY, "empty");
        METHODS.put(z4ai_swig.Z4AI_TENSOR_FRAME, "frame");
        METHODS.put(z4ai_swig.Z4AI_TENSOR_SAME, "same");
        METHODS.put(z4ai_swig.Z4AI_TENSOR_BASE_COPY, "base_copy");
        METHODS.put(z4ai_swig.Z4AI_TENSOR_BASE_DELTA, "base_delta");
        Path golden = Paths.get(argv[0]);
        frames = golden.resolve("frames");
        String cliPath = argv.length > 1 ? argv[1] : null;
        Map<String, Object> manifest = new TreeMap<>((Map<String, Object>) new Json(Files.readString(golden.resolve("manifest.json"))).value());
        Map<String, Integer> kinds = new TreeMap<>();
        int tensors = 0, readAt = 0;
        for (Map.Entry<String, Object> me : manifest.entrySet()) {
            String name = me.getKey();
            Map<String, Object> e = (Map<String, Object>) me.getValue();
            String kind = e.get("kind") == null ? "frame" : (String) e.get("kind");
            kinds.merge(kind, 1, Integer::sum);
            if (kind.equals("dir")) {
                Map<String, byte[]> got = restoreDir(name);
                Map<String, Object> want = (Map<String, Object>) e.get("files");
                check(got.size() == want.size(), name + ": restored " + got.keySet());
                for (Map.Entry<String, byte[]> g : got.entrySet()) {
                    Map<String, Object> w = (Map<String, Object>) want.get(g.getKey());
                    check(w != null && sha(g.getValue()).equals(w.get("sha256")), name + ": " + g.getKey());
                }
                continue;  // a CLI layout of frames and containers, each covered below
            }
            byte[] blob = file(name);
            byte[] ref = e.get("reference") == null ? null : file((String) e.get("reference"));
            byte[] data;
            try (Decompressor d = new Decompressor()) {
                if (kind.equals("frame")) {
                    if (ref != null) d.reference(ref);
                    data = d.decompress(blob);
                } else if (kind.equals("zstn")) {
                    data = d.decompressSafetensors(blob);
                } else {
                    check(kind.equals("z4dm"), name + ": unknown kind " + kind);
                    data = d.decompressModelDelta(blob, ref);
                }
            }
            check(data.length == (Long) e.get("size") && sha(data).equals(e.get("sha256")), name + ": decoded SHA-256 " + sha(data));
            if (!kind.equals("frame")) {
                Map<String, Object> want = (Map<String, Object>) e.get("tensors");
                try (ContainerReader r = ContainerReader.open(blob)) {
                    if (ref != null) r.attachBase(ref);
                    check(r.tensorCount() == want.size(), name + ": tensor count");
                    for (TensorInfo t : r.tensors()) {
                        Map<String, Object> w = (Map<String, Object>) want.get(t.name);
                        check(w != null, name + ": unexpected tensor " + t.name);
                        byte[] bytes = r.readTensor(t.index);
                        check(sha(bytes).equals(w.get("sha256")) && w.get("method").equals(METHODS.get(t.method)),
                              name + ": tensor " + t.name + " method " + t.method + " sha256 " + sha(bytes));
                        tensors++;
                    }
                }
                // The same object through the read-at path (channel reads + read_tensor_from).
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(frames.resolve(name));
                     ContainerReader r = ContainerReader.open(ch)) {
                    if (ref != null) r.attachBase(ref);
                    for (TensorInfo t : r.tensors()) {
                        byte[] bytes = r.readTensor(t.index);
                        check(sha(bytes).equals(((Map<String, Object>) want.get(t.name)).get("sha256")),
                              name + ": tensor " + t.name + " through a read-at channel: sha256 " + sha(bytes));
                        readAt++;
                    }
                }
            }

            // Encoder determinism.
            byte[][] oneShot = new byte[2][], streamed = new byte[2][];
            for (int k = 0; k < 2; k++) {
                try (Compressor c = compressor(e, k + 1, kind.equals("frame") ? ref : null)) {
                    oneShot[k] = kind.equals("frame") ? c.compress(data)
                               : kind.equals("zstn") ? c.compressSafetensors(data) : c.compressModelDelta(data, ref);
                }
                if (!kind.equals("frame")) continue;
                ByteArrayOutputStream sink = new ByteArrayOutputStream();
                try (Z4aiOutputStream out = new Z4aiOutputStream(sink, compressor(e, k + 1, ref).pledgedSize(data.length))) {
                    int third = data.length / 3;
                    out.write(data, 0, third);
                    out.write(data, third, data.length - third);
                }
                streamed[k] = sink.toByteArray();
            }
            check(Arrays.equals(oneShot[0], oneShot[1]), name + ": one-shot output depends on the thread count");
            byte[] expectCli = oneShot[0];
            if (kind.equals("frame")) {
                check(Arrays.equals(streamed[0], streamed[1]), name + ": streamed frame depends on the thread count");
                String desc = Z4ai.describe(oneShot[0]).replace(" ", "");
                // Only one-shot compression dedups whole repeated chunks (DUP blocks, docs/STRUCTURE.md).
                if (desc.contains("\"type\":\"dup\"")) check(oneShot[0].length < streamed[0].length, name + ": DUP blocks not smaller");
                else check(Arrays.equals(oneShot[0], streamed[0]), name + ": one-shot and streamed frames differ");
                expectCli = streamed[0];  // the CLI streams
            }
            if (cliPath != null)
                for (int t = 1; t <= 2; t++)
                    check(Arrays.equals(cli(cliPath, e, data, t), expectCli), name + ": CLI -T " + t + " output differs from Java's");
        }
        check(kinds.keySet().containsAll(Arrays.asList("frame", "zstn", "z4dm", "dir")), "manifest lacks a kind: " + kinds);
        System.out.println("Java: " + manifest.size() + " golden vectors " + kinds + " decoded, " + tensors
                           + " container tensors read alone (" + readAt + " again through a read-at channel); identical output at 1 and 2 threads, one-shot, streamed"
                           + (cliPath != null ? " and CLI" : ""));
    }
}
