// Tests of the C# binding (mono): mono Z4aiTest.exe [CLI_FRAME INPUT DTYPE]. Exit code 1 on failure.
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Collections.Generic;
using Z4ai;
using Z4ai.Native;

static class Z4aiTest {
    static int checks;

    static void Check(bool ok, string what) {
        checks++;
        if (!ok) throw new Exception("FAILED: " + what);
    }

    static void Expect(Action a, params string[] names) {
        try {
            a();
        } catch (Z4aiException e) {
            Check(names.Contains(e.StatusName), "expected " + string.Join("|", names) + ", got " + e.Message);
            Check(e.Status < 0 && z4ai_swig.status_name(e.Status) == e.StatusName, "status code");
            return;
        }
        throw new Exception("FAILED: expected " + string.Join("|", names));
    }

    static byte[] Weights(int n, int seed) {
        var r = new Random(seed);
        var b = new byte[n * 4];
        for (int i = 0; i < n; i++) {
            double g = Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
            BitConverter.GetBytes((float)(g * 0.02)).CopyTo(b, i * 4);
        }
        return b;
    }

    static long RssKb() {
        foreach (var line in File.ReadAllLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:")) return long.Parse(new string(line.Where(char.IsDigit).ToArray()));
        return 0;
    }

    static int Main(string[] args) {
        try {
            Run(args);
        } catch (Exception e) {
            Console.Error.WriteLine(e);
            return 1;
        }
        return 0;
    }

    static void Run(string[] args) {
        Check(Codec.Dtype("bfloat16") == z4ai_swig.Z4AI_DTYPE_BF16, "dtype names");
        Expect(() => Codec.Dtype("no-such-type"), "Z4AI_E_DTYPE_UNKNOWN");

        byte[] w = Weights(250000, 1), copy = (byte[])w.Clone();
        byte[] frame;
        using (var c = new Compressor().SetDtype("fp32").SetEffort(Effort.Default).SetShape(500, 500)) frame = c.Compress(w);
        Check(w.SequenceEqual(copy), "input untouched");
        Check(frame.Length < w.Length, "compresses");
        Check(Codec.Decompress(frame).SequenceEqual(w), "round trip byte[]");
        var info = Codec.Info(frame);
        Check(info.Dtype == z4ai_swig.Z4AI_DTYPE_FP32 && info.ContentSize == w.Length && info.CompressedSize == frame.Length
              && info.Shape.SequenceEqual(new long[] { 500, 500 }), "frame info");
        Check(Codec.Describe(frame).StartsWith("{"), "describe");
        using (var d = new Decompressor())
            Check(d.DecompressRange(frame, 4000, 1000).SequenceEqual(w.Skip(4000).Take(1000)), "range");
        using (var c = new Compressor().SetDtype("fp32").SetEffort(Effort.Max).SetLevel(19).SetThreads(1).SetChecksum(false))
            Check(Codec.Decompress(c.Compress(w)).SequenceEqual(w), "max effort");

        // Spans and offsets: no copies, same frame.
        var big = new byte[w.Length + 10];
        Buffer.BlockCopy(w, 0, big, 10, w.Length);
        using (var c = new Compressor().SetDtype("fp32").SetShape(500, 500)) {
            Check(c.Compress(big, 10, w.Length).SequenceEqual(frame), "offset/count frame");
            var dst = new byte[Codec.CompressBound(w.Length)];
            int n = c.Compress(new ReadOnlySpan<byte>(big, 10, w.Length), new Span<byte>(dst));
            Check(dst.Take(n).SequenceEqual(frame), "span frame");
        }

        // Errors carry the pinned status name; contexts stay usable.
        var bad = (byte[])frame.Clone();
        bad[bad.Length / 2] ^= 0x40;
        Expect(() => Codec.Decompress(bad), "Z4AI_E_CHECKSUM", "Z4AI_E_CORRUPT");
        Expect(() => Codec.Decompress(frame.Take(frame.Length / 2).ToArray()), "Z4AI_E_TRUNCATED", "Z4AI_E_CORRUPT");
        Expect(() => Codec.Decompress(new byte[12]), "Z4AI_E_UNKNOWN_FORMAT");
        var closed = new Compressor();
        closed.Dispose();
        closed.Dispose();
        Expect(() => closed.Compress(w), "Z4AI_E_STAGE_WRONG");
        using (var c = new Compressor()) {
            Expect(() => c.SetParam(z4ai_swig.Z4AI_C_EFFORT, 99), "Z4AI_E_PARAM_OUT_OF_BOUNDS");
            Check(Codec.Decompress(c.Compress(w)).SequenceEqual(w), "usable after an error");
        }

        // Stream: identical frame when the size is pledged; concatenated frames decode.
        var sink = new MemoryStream();
        using (var s = new Z4aiStream(sink, new Compressor().SetDtype("fp32").SetShape(500, 500).SetPledgedSize(w.Length), leaveOpen: true))
            for (int off = 0; off < w.Length; off += 77777) s.Write(w, off, Math.Min(77777, w.Length - off));
        Check(sink.ToArray().SequenceEqual(frame), "stream frame identical to one-shot frame");
        var two = frame.Concat(frame).ToArray();
        using (var s = new Z4aiStream(new MemoryStream(two), Z4aiMode.Decompress)) {
            var back = new MemoryStream();
            s.CopyTo(back, 1000);
            Check(back.ToArray().SequenceEqual(w.Concat(w)), "stream over concatenated frames");
        }
        Expect(() => new Z4aiStream(new MemoryStream(frame.Take(frame.Length - 5).ToArray()), Z4aiMode.Decompress).CopyTo(new MemoryStream()),
               "Z4AI_E_TRUNCATED", "Z4AI_E_CORRUPT");

        // Delta.
        var next = (byte[])w.Clone();
        for (int i = 0; i < next.Length; i += 4000) next[i] ^= 1;
        byte[] delta;
        using (var c = new Compressor().SetDtype("fp32").SetReference(w)) delta = c.Compress(next);
        using (var d = new Decompressor().SetReference(w)) Check(d.Decompress(delta).SequenceEqual(next), "delta");
        Expect(() => Codec.Decompress(delta), "Z4AI_E_REFERENCE_MISSING");

        // 10,000 compress/decompress calls with flat memory (Dispose frees the contexts).
        var small = w.Take(4096).ToArray();
        long rss0 = 0;
        for (int i = 0; i < 12000; i++) {
            if (i == 2000) { GC.Collect(); rss0 = RssKb(); }
            byte[] f;
            using (var c = new Compressor().SetThreads(1).SetDtype("fp32")) f = c.Compress(small);
            using (var d = new Decompressor().SetThreads(1)) {
                var r = d.Decompress(f);
                if (i % 1000 == 0) Check(r.SequenceEqual(small), "loop round trip");
            }
        }
        GC.Collect();
        long rss1 = RssKb();
        Check(rss1 - rss0 < 16 * 1024, $"memory flat over 10,000 calls: {rss0} -> {rss1} KB");

        if (args.Length == 3) {
            byte[] cli = File.ReadAllBytes(args[0]), input = File.ReadAllBytes(args[1]);
            using (var c = new Compressor().SetDtype(args[2]))
                Check(c.Compress(input).SequenceEqual(cli), "C# frame identical to the CLI frame");
            Check(Codec.Decompress(cli).SequenceEqual(input), "C# decodes the CLI frame");
        }
        Containers(Environment.GetEnvironmentVariable("Z4AI_CLI"));
        Console.WriteLine($"csharp binding: {checks} checks passed (z4ai {Codec.Version}, rss {rss0} -> {rss1} KB)");
    }

    static byte[] Safetensors(string[] names, string[] dtypes, long[][] shapes, byte[][] data) {
        var h = new System.Text.StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long off = 0;
        for (int i = 0; i < names.Length; i++) {
            h.Append($",\"{names[i]}\":{{\"dtype\":\"{dtypes[i]}\",\"shape\":[{string.Join(",", shapes[i])}],\"data_offsets\":[{off},{off + data[i].Length}]}}");
            off += data[i].Length;
        }
        h.Append("}");
        var hb = System.Text.Encoding.UTF8.GetBytes(h.ToString()).ToList();
        while (hb.Count % 8 != 0) hb.Add((byte)' ');
        var all = new List<byte>(BitConverter.GetBytes((long)hb.Count));
        all.AddRange(hb);
        foreach (var d in data) all.AddRange(d);
        return all.ToArray();
    }

    static void Cli(string cli, params string[] args) {
        var psi = new ProcessStartInfo(cli, string.Join(" ", args.Select(a => "\"" + a + "\""))) {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        using (var p = Process.Start(psi)) {
            string err = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Check(p.ExitCode == 0, "z4ai " + string.Join(" ", args) + ": " + err);
        }
    }

    static bool Same(byte[] a, byte[] b) => a.SequenceEqual(b);

    static void Containers(string cli) {
        byte[] w = Weights(64 * 96, 7), bf = Weights(150, 8), h = Weights(35, 9).Take(70).ToArray(), sc = Weights(1, 10);
        string[] names = { "model.w", "model.b", "tied.w", "empty", "scalar", "gr\u00fc\u00dfe.h" };
        string[] dtypes = { "F32", "BF16", "F32", "I8", "F32", "F16" };
        int[] codes = { z4ai_swig.Z4AI_DTYPE_FP32, z4ai_swig.Z4AI_DTYPE_BF16, z4ai_swig.Z4AI_DTYPE_FP32,
                        z4ai_swig.Z4AI_DTYPE_INT8, z4ai_swig.Z4AI_DTYPE_FP32, z4ai_swig.Z4AI_DTYPE_FP16 };
        long[][] shapes = { new long[] { 64, 96 }, new long[] { 300 }, new long[] { 64, 96 }, new long[] { 0 }, new long[0], new long[] { 5, 7 } };
        byte[][] data = { w, bf, w, new byte[0], sc, h };
        byte[] st = Safetensors(names, dtypes, shapes, data), stCopy = (byte[])st.Clone();

        byte[] zstn = Codec.CompressSafetensors(st);
        Check(Same(st, stCopy) && zstn.Length < st.Length, "container smaller, input untouched");
        Check(Codec.DetectKind(zstn) == z4ai_swig.Z4AI_KIND_CONTAINER && Codec.DetectKind(st) == z4ai_swig.Z4AI_KIND_SAFETENSORS, "kinds");
        Check(Same(Codec.DecompressSafetensors(zstn), st), ".zstn round trip byte-identical");

        using (var r = ContainerReader.Open(zstn)) {
            Check(r.Kind == z4ai_swig.Z4AI_KIND_CONTAINER && r.Count == names.Length && r.FileSize == st.Length, "reader kind/count/size");
            long off = 0;
            for (int i = 0; i < names.Length; i++) {
                var t = r.Tensor(names[i]);
                Check(t.Name == names[i] && t.Dtype == codes[i] && t.Shape.SequenceEqual(shapes[i]) && t.NBytes == data[i].Length
                      && t.DataOffset == off, "tensor info " + t);
                off += data[i].Length;
                Check(Same(r.ReadTensor(t.Index), data[i]), "read " + t.Name);
            }
            var tied = r.Tensor("tied.w");
            Check(tied.Method == z4ai_swig.Z4AI_TENSOR_SAME && tied.Ref == r.Find("model.w") && tied.StoredSize == 0, "tied stored once " + tied);
            int wi = r.Find("model.w");
            Check(Same(r.ReadElements(wi, 1000, 333), w.Skip(4000).Take(333 * 4).ToArray()), "element range");
            var span = new byte[w.Length + 3];
            Check(r.ReadTensor(wi, new Span<byte>(span, 3, w.Length)) == w.Length && Same(span.Skip(3).ToArray(), w), "read into a span");
            Expect(() => r.Find("nope"), "Z4AI_E_NOT_FOUND");
            Expect(() => r.ReadElements(wi, 64 * 96 - 10, 11), "Z4AI_E_PARAM_OUT_OF_BOUNDS");
            long hl = BitConverter.ToInt64(st, 0);
            Check(r.HeaderJson == System.Text.Encoding.UTF8.GetString(st, 8, (int)hl), "header JSON verbatim");
            Check(r.Describe().Contains("tied.w"), "describe");
            Check(Same(r.Restore(), st), "restore");
        }
        var closed = ContainerReader.Open(zstn);
        closed.Dispose();
        closed.Dispose();
        Expect(() => { int n = closed.Count; }, "Z4AI_E_STAGE_WRONG");
        using (var r = ContainerReader.Open(st)) {
            Check(r.Kind == z4ai_swig.Z4AI_KIND_SAFETENSORS && r.Tensor("model.b").Method == z4ai_swig.Z4AI_TENSOR_RAW
                  && Same(r.ReadTensor("model.b"), bf), "raw .safetensors reader");
        }

        Expect(() => Codec.DecompressSafetensors(zstn.Take(zstn.Length - 9).ToArray()), "Z4AI_E_TRUNCATED", "Z4AI_E_CORRUPT");
        Expect(() => ContainerReader.Open(zstn.Take(20).ToArray()), "Z4AI_E_TRUNCATED", "Z4AI_E_CORRUPT", "Z4AI_E_UNKNOWN_FORMAT");
        var flipped = (byte[])zstn.Clone();
        flipped[zstn.Length / 3] ^= 0x10;
        Expect(() => Codec.DecompressSafetensors(flipped), "Z4AI_E_CHECKSUM", "Z4AI_E_CORRUPT");
        Expect(() => Codec.CompressSafetensors(st.Take(40).ToArray()), "Z4AI_E_SAFETENSORS_INVALID");

        var w2 = (byte[])w.Clone();
        for (int i = 0; i < w2.Length; i += 64) w2[i] ^= 3;
        byte[] fine = Safetensors(names, dtypes, shapes, new[] { w2, bf, w, new byte[0], sc, h });
        byte[] delta;
        using (var c = new Compressor()) delta = c.CompressModelDelta(fine, st);
        Check(Codec.DetectKind(delta) == z4ai_swig.Z4AI_KIND_MODEL_DELTA && delta.Length < zstn.Length, "model delta smaller");
        using (var d = new Decompressor()) {
            Check(Same(d.DecompressModelDelta(delta, st), fine), "model delta round trip");
            Expect(() => d.DecompressModelDelta(delta, fine), "Z4AI_E_REFERENCE_MISMATCH");
        }
        using (var r = ContainerReader.Open(delta)) {
            Expect(() => r.ReadTensor("model.w"), "Z4AI_E_REFERENCE_MISSING");
            r.AttachBase(st);
            Check(r.Tensor("model.b").Method == z4ai_swig.Z4AI_TENSOR_BASE_COPY && Same(r.ReadTensor("model.w"), w2), "delta reader");
        }

        if (cli == null) return;
        string dir = Path.Combine(Path.GetTempPath(), "z4ai-cs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try {
            Func<string, string> p = n => Path.Combine(dir, n);
            File.WriteAllBytes(p("m.safetensors"), st);
            File.WriteAllBytes(p("f.safetensors"), fine);
            Cli(cli, "compress", "-q", "-f", p("m.safetensors"), "-o", p("cli.zstn"));
            byte[] cliZstn = File.ReadAllBytes(p("cli.zstn"));
            Check(Same(cliZstn, zstn), "C# .zstn identical to the CLI's");
            using (var c = new Compressor()) Check(c.CompressSafetensors(p("m.safetensors"), p("cs.zstn")) == zstn.Length, "file compress");
            Check(Same(File.ReadAllBytes(p("cs.zstn")), zstn), "file compress bytes");
            Cli(cli, "decompress", "-q", "-f", p("cs.zstn"), "-o", p("cli.safetensors"));
            Check(Same(File.ReadAllBytes(p("cli.safetensors")), st), "CLI restores the C# .zstn");
            using (var d = new Decompressor()) d.DecompressSafetensors(p("cli.zstn"), p("cs.safetensors"));
            Check(Same(File.ReadAllBytes(p("cs.safetensors")), st), "C# restores the CLI .zstn");
            Cli(cli, "extract", p("cli.zstn"), "model.w", "-o", p("el.bin"), "--elements", "1000:1333");
            using (var r = ContainerReader.OpenFile(p("cli.zstn"))) {
                Check(Same(r.ReadElements(r.Find("model.w"), 1000, 333), File.ReadAllBytes(p("el.bin"))), "element range equals the CLI's extract");
                Check(r.IoBytes < cliZstn.Length && r.Tensors().Count == names.Length, "file reader reads only what it needs: " + r.IoBytes);
            }
            Cli(cli, "compress", "-q", "-f", "--reference", p("m.safetensors"), p("f.safetensors"), "-o", p("cli.z4dm"));
            Check(Same(File.ReadAllBytes(p("cli.z4dm")), delta), "C# .z4dm identical to the CLI's");
            using (var d = new Decompressor()) d.DecompressModelDelta(p("cli.z4dm"), p("m.safetensors"), p("fine.out"));
            Check(Same(File.ReadAllBytes(p("fine.out")), fine), "C# restores the CLI .z4dm");
        } finally {
            Directory.Delete(dir, true);
        }
    }
}
