// Golden vectors (tests/golden/manifest.json) through the C# binding, and encoder
// determinism: mono GoldenTest.exe GOLDEN_DIR [Z4AI_CLI]. Exit code 1 on failure.
// Every frame decodes to its SHA-256 (a delta frame with its reference); every .zstn /
// .z4dm restores to the recorded .safetensors bytes and every tensor, read alone through
// ContainerReader, to its own SHA-256 and method. Then each vector's input compressed
// with its parameters gives the same bytes at 1 and 2 threads, one-shot and streamed,
// and the same bytes as the CLI at -T 1 and -T 2.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Z4ai;
using Z4ai.Native;

static class GoldenTest {
    static void Check(bool ok, string what) {
        if (!ok) throw new Exception("FAILED: " + what);
    }

    // ---- a minimal JSON reader (objects, arrays, strings, integers, literals) ----
    sealed class Json {
        readonly string s;
        int i;
        public Json(string s) { this.s = s; }
        void Ws() { while (i < s.Length && char.IsWhiteSpace(s[i])) i++; }
        public object Value() {
            Ws();
            char c = s[i];
            if (c == '{') {
                var m = new Dictionary<string, object>();
                i++; Ws();
                if (s[i] == '}') { i++; return m; }
                while (true) {
                    Ws();
                    var k = (string)Value();
                    Ws();
                    Check(s[i++] == ':', "json: ':' expected at " + i);
                    m[k] = Value();
                    Ws();
                    if (s[i++] == '}') return m;
                }
            }
            if (c == '[') {
                var l = new List<object>();
                i++; Ws();
                if (s[i] == ']') { i++; return l; }
                while (true) {
                    l.Add(Value());
                    Ws();
                    if (s[i++] == ']') return l;
                }
            }
            if (c == '"') {
                var b = new StringBuilder();
                for (i++; s[i] != '"'; i++) {
                    char d = s[i];
                    if (d == '\\') {
                        d = s[++i];
                        if (d == 'u') { b.Append((char)int.Parse(s.Substring(i + 1, 4), NumberStyles.HexNumber)); i += 4; continue; }
                        d = d == 'n' ? '\n' : d == 't' ? '\t' : d == 'r' ? '\r' : d == 'b' ? '\b' : d == 'f' ? '\f' : d;
                    }
                    b.Append(d);
                }
                i++;
                return b.ToString();
            }
            foreach (var lit in new[] { "null", "true", "false" })
                if (string.CompareOrdinal(s, i, lit, 0, lit.Length) == 0) { i += lit.Length; return lit == "null" ? null : (object)(lit == "true"); }
            int start = i;
            while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
            return long.Parse(s.Substring(start, i - start), CultureInfo.InvariantCulture);
        }
    }

    static string Sha(byte[] b) {
        using (var h = SHA256.Create()) return string.Concat(h.ComputeHash(b).Select(x => x.ToString("x2")));
    }

    static string frames;
    static byte[] File_(string name) => File.ReadAllBytes(Path.Combine(frames, name));
    static List<string> Args(Dictionary<string, object> e) => ((List<object>)e["args"]).Cast<string>().ToList();
    static string Ref(Dictionary<string, object> e) => e.TryGetValue("reference", out var r) ? (string)r : null;
    static string Kind(Dictionary<string, object> e) => e.TryGetValue("kind", out var k) && k != null ? (string)k : "frame";

    // A Compressor set up from the CLI arguments recorded in the manifest.
    static Compressor MakeCompressor(Dictionary<string, object> e, int threads, byte[] reference) {
        var c = new Compressor().SetThreads(threads);
        var a = Args(e);
        for (int i = 0; i < a.Count; i++) {
            switch (a[i]) {
                case "--dtype": c.SetDtype(a[++i]); break;
                case "--effort": c.SetEffort(a[++i] == "fast" ? Effort.Fast : a[i] == "max" ? Effort.Max : Effort.Default); break;
                case "--chunk-size": c.SetParam(z4ai_swig.Z4AI_C_CHUNK_SIZE, long.Parse(a[++i])); break;
                case "--shape": c.SetShape(a[++i].Split(',').Select(long.Parse).ToArray()); break;
                case "--no-checksum": c.SetChecksum(false); break;
                case "--reference": i++; break; // the entry's "reference" names the committed file
                default: Check(a[i].StartsWith("("), "unexpected recorded argument " + a[i]); break;
            }
        }
        if (reference != null) c.SetReference(reference);
        return c;
    }

    static byte[] Cli(string cli, Dictionary<string, object> e, byte[] data, int threads) {
        string dir = Path.Combine(Path.GetTempPath(), "z4ai-golden-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try {
            string src = Path.Combine(dir, Kind(e) == "frame" ? "in" : "in.safetensors"), dst = Path.Combine(dir, "out");
            File.WriteAllBytes(src, data);
            var cmd = new List<string> { "compress", "-q", "-f", src, "-o", dst, "-T", threads.ToString() };
            if (Ref(e) != null) cmd.AddRange(new[] { "--reference", Path.Combine(frames, Ref(e)) });
            var a = Args(e);
            for (int i = 0; i < a.Count; i++) {
                if (a[i] == "--reference") i++;
                else if (!a[i].StartsWith("(")) cmd.Add(a[i]);
            }
            var psi = new ProcessStartInfo(cli, string.Join(" ", cmd.Select(x => "\"" + x + "\""))) {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            using (var p = Process.Start(psi)) {
                string err = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                Check(p.ExitCode == 0, "z4ai " + string.Join(" ", cmd) + ": " + err);
            }
            return File.ReadAllBytes(dst);
        } finally {
            Directory.Delete(dir, true);
        }
    }

    // A directory archive (the CLI's DIR.z4ai/) restored through the binding alone, from its
    // z4ai-manifest.json: frames and .zstn shards, then .z4dm shards against their base.
    // A directory archive (the CLI's DIR.z4ai/) restored through the binding's DirectoryArchive
    // (the C library's one implementation): member by member, then as a whole.
    static Dictionary<string, byte[]> RestoreDir(string name) {
        var output = new Dictionary<string, byte[]>();
        using (var a = DirectoryArchive.Open(Path.Combine(frames, name))) {
            for (int i = 0; i < a.Count; i++)
                if (a.Kind(i) != z4ai_swig.Z4AI_MEMBER_DIRECTORY) output[a.Path(i)] = a.Read(i);
            string tmp = Path.Combine(Path.GetTempPath(), "z4ai-golden-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(tmp);
            try {
                string dst = Path.Combine(tmp, "restored");
                a.Restore(dst);
                foreach (var g in output)
                    Check(Sha(File.ReadAllBytes(Path.Combine(dst, g.Key))) == Sha(g.Value), name + ": restored " + g.Key);
            } finally {
                Directory.Delete(tmp, true);
            }
        }
        return output;
    }

    static int Main(string[] argv) {
        try {
            Run(argv[0], argv.Length > 1 ? argv[1] : null);
            return 0;
        } catch (Exception ex) {
            Console.Error.WriteLine(ex);
            return 1;
        }
    }

    static void Run(string golden, string cli) {
        var methods = new Dictionary<int, string> {
            { z4ai_swig.Z4AI_TENSOR_EMPTY, "empty" }, { z4ai_swig.Z4AI_TENSOR_FRAME, "frame" },
            { z4ai_swig.Z4AI_TENSOR_SAME, "same" }, { z4ai_swig.Z4AI_TENSOR_BASE_COPY, "base_copy" },
            { z4ai_swig.Z4AI_TENSOR_BASE_DELTA, "base_delta" } };
        frames = Path.Combine(golden, "frames");
        var manifest = (Dictionary<string, object>)new Json(File.ReadAllText(Path.Combine(golden, "manifest.json"))).Value();
        var kinds = new SortedDictionary<string, int>();
        int tensors = 0, readAt = 0;
        foreach (var name in manifest.Keys.OrderBy(k => k, StringComparer.Ordinal)) {
            var e = (Dictionary<string, object>)manifest[name];
            string kind = Kind(e);
            kinds[kind] = kinds.TryGetValue(kind, out var n) ? n + 1 : 1;
            if (kind == "dir") {
                var got = RestoreDir(name);
                var wantFiles = (Dictionary<string, object>)e["files"];
                Check(got.Count == wantFiles.Count, name + ": restored " + string.Join(", ", got.Keys));
                foreach (var g in got)
                    Check(wantFiles.ContainsKey(g.Key) && Sha(g.Value) == (string)((Dictionary<string, object>)wantFiles[g.Key])["sha256"],
                          name + ": " + g.Key);
                continue; // a CLI layout of frames and containers, each covered below
            }
            byte[] blob = File_(name), reference = Ref(e) == null ? null : File_(Ref(e)), data;
            using (var d = new Decompressor()) {
                if (kind == "frame") {
                    if (reference != null) d.SetReference(reference);
                    data = d.Decompress(blob);
                } else if (kind == "zstn") {
                    data = d.DecompressSafetensors(blob);
                } else {
                    Check(kind == "z4dm", name + ": unknown kind " + kind);
                    data = d.DecompressModelDelta(blob, reference);
                }
            }
            Check(data.Length == (long)e["size"] && Sha(data) == (string)e["sha256"], name + ": decoded SHA-256 " + Sha(data));
            if (kind != "frame") {
                var want = (Dictionary<string, object>)e["tensors"];
                using (var r = ContainerReader.Open(blob)) {
                    if (reference != null) r.AttachBase(reference);
                    Check(r.Count == want.Count, name + ": tensor count");
                    foreach (var t in r.Tensors()) {
                        Check(want.ContainsKey(t.Name), name + ": unexpected tensor " + t.Name);
                        var w = (Dictionary<string, object>)want[t.Name];
                        byte[] bytes = r.ReadTensor(t.Index);
                        Check(Sha(bytes) == (string)w["sha256"] && (string)w["method"] == methods[t.Method],
                              name + ": tensor " + t.Name + " method " + t.Method + " sha256 " + Sha(bytes));
                        tensors++;
                    }
                }
                // The same object through the read-at path (stream reads + read_tensor_from).
                using (var fs = File.OpenRead(Path.Combine(frames, name)))
                using (var r = ContainerReader.Open(fs)) {
                    if (reference != null) r.AttachBase(reference);
                    foreach (var t in r.Tensors()) {
                        byte[] bytes = r.ReadTensor(t.Index);
                        Check(Sha(bytes) == (string)((Dictionary<string, object>)want[t.Name])["sha256"],
                              name + ": tensor " + t.Name + " through a stream: sha256 " + Sha(bytes));
                        readAt++;
                    }
                }
            }

            // Encoder determinism.
            var oneShot = new byte[2][];
            var streamed = new byte[2][];
            for (int k = 0; k < 2; k++) {
                using (var c = MakeCompressor(e, k + 1, kind == "frame" ? reference : null))
                    oneShot[k] = kind == "frame" ? c.Compress(data) : kind == "zstn" ? c.CompressSafetensors(data)
                                                                                   : c.CompressModelDelta(data, reference);
                if (kind != "frame") continue;
                var sink = new MemoryStream();
                using (var z = new Z4aiStream(sink, MakeCompressor(e, k + 1, reference).SetPledgedSize(data.Length), leaveOpen: true)) {
                    int third = data.Length / 3;
                    z.Write(data, 0, third);
                    z.Write(data, third, data.Length - third);
                }
                streamed[k] = sink.ToArray();
            }
            Check(oneShot[0].SequenceEqual(oneShot[1]), name + ": one-shot output depends on the thread count");
            byte[] expectCli = oneShot[0];
            if (kind == "frame") {
                Check(streamed[0].SequenceEqual(streamed[1]), name + ": streamed frame depends on the thread count");
                // Only one-shot compression dedups whole repeated chunks (DUP blocks, docs/STRUCTURE.md).
                if (Codec.Describe(oneShot[0]).Replace(" ", "").Contains("\"type\":\"dup\""))
                    Check(oneShot[0].Length < streamed[0].Length, name + ": DUP blocks not smaller");
                else
                    Check(oneShot[0].SequenceEqual(streamed[0]), name + ": one-shot and streamed frames differ");
                expectCli = streamed[0]; // the CLI streams
            }
            if (cli != null)
                for (int t = 1; t <= 2; t++)
                    Check(Cli(cli, e, data, t).SequenceEqual(expectCli), name + ": CLI -T " + t + " output differs from C#'s");
        }
        Check(kinds.ContainsKey("frame") && kinds.ContainsKey("zstn") && kinds.ContainsKey("z4dm") && kinds.ContainsKey("dir"), "manifest lacks a kind");
        Console.WriteLine("C#: " + manifest.Count + " golden vectors (" + string.Join(", ", kinds.Select(k => k.Key + "=" + k.Value))
                          + ") decoded, " + tensors + " container tensors read alone (" + readAt + " again through a stream); identical output at 1 and 2 threads, one-shot, streamed"
                          + (cli != null ? " and CLI" : ""));
    }
}
