// Z4aiExample.exe compress IN OUT [--dtype D] | decompress IN OUT
// Streams through the C# binding (Z4aiStream) in bounded memory; the frame is
// byte-identical to `z4ai compress --dtype D IN` (same parameters, size pledged).
using System;
using System.IO;
using Z4ai;

static class Z4aiExample {
    static int Main(string[] args) {
        const string usage = "usage: Z4aiExample.exe compress IN OUT [--dtype D] | decompress IN OUT";
        try {
            if (args.Length >= 3 && args[0] == "compress" && (args.Length == 3 || (args.Length == 5 && args[3] == "--dtype"))) {
                var c = new Compressor().SetPledgedSize(new FileInfo(args[1]).Length);
                if (args.Length == 5) c.SetDtype(args[4]);
                using (var input = File.OpenRead(args[1]))
                using (var output = new Z4aiStream(File.Create(args[2]), c))
                    input.CopyTo(output, 1 << 20);
            } else if (args.Length == 3 && args[0] == "decompress") {
                using (var input = new Z4aiStream(File.OpenRead(args[1]), Z4aiMode.Decompress))
                using (var output = File.Create(args[2]))
                    input.CopyTo(output, 1 << 20);
            } else {
                Console.Error.WriteLine(usage);
                return 2;
            }
        } catch (Z4aiException e) {
            Console.Error.WriteLine("Z4aiExample: " + e.Message);
            return 1;
        } catch (IOException e) {
            Console.Error.WriteLine("Z4aiExample: " + e.Message);
            return 1;
        }
        return 0;
    }
}
