// Tests of the C# binding (mono): mono Z4aiTest.exe [CLI_FRAME INPUT DTYPE]. Exit code 1 on failure.
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
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
        Console.WriteLine($"csharp binding: {checks} checks passed (z4ai {Codec.Version}, rss {rss0} -> {rss1} KB)");
    }
}
