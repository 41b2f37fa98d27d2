// Archive.cs - directory archives (z4ai_archive_*) over the generated Native.Archive proxy.
using System;
using Z4ai.Native;

namespace Z4ai {

/// <summary>A directory archive: a model directory or hub snapshot as one DIR.z4ai/ directory
/// (itself a model directory) with z4ai-manifest.json; the same archives as `z4ai compress DIR`,
/// written with <see cref="Compressor.WriteArchive"/>. Dispose frees the native memory.</summary>
public sealed class DirectoryArchive : IDisposable {
    Archive a = new Archive();

    DirectoryArchive() { a.set_param(z4ai_swig.Z4AI_D_THREADS, 0); }

    /// <summary>Opens an archive directory (reads and validates its manifest).</summary>
    public static DirectoryArchive Open(string dir) {
        var x = new DirectoryArchive();
        try {
            x.a.open(dir);
        } catch {
            x.Dispose();
            throw;
        }
        return x;
    }

    Archive A {
        get {
            if (a == null) throw new Z4aiException(z4ai_swig.Z4AI_E_STAGE_WRONG, "Z4AI_E_STAGE_WRONG", "archive is disposed");
            return a;
        }
    }

    public int Version => (int)A.version();
    /// <summary>Files (manifest order), then directories.</summary>
    public int Count => checked((int)A.member_count());
    public int Find(string path) => (int)A.find(path);
    public string Path(int index) => A.member_path(index);
    public string Stored(int index) => A.member_stored(index);
    /// <summary>z4ai_swig.Z4AI_MEMBER_PLAIN, _FRAME, _CONTAINER, _MODEL_DELTA or _DIRECTORY.</summary>
    public int Kind(int index) => A.member_kind(index);
    public long Size(int index) => A.member_size(index);
    public long StoredSize(int index) => A.member_stored_size(index);
    public string Base(int index) => A.member_base(index);

    /// <summary>The restored bytes of one member (checked against its size and digest).</summary>
    public unsafe byte[] Read(int index) {
        var dst = new byte[checked((int)A.member_size(index))];
        fixed (byte* d = dst) A.read(index, new Buf((IntPtr)d, dst.Length));
        return dst;
    }

    public void Extract(int index, string dst) => A.extract(index, dst);
    /// <summary>Every member restored under the new directory dst (modes, empty directories).</summary>
    public void Restore(string dst) => A.restore(dst);

    public void Dispose() {
        a?.close();
        a?.Dispose();
        a = null;
    }
}

public sealed partial class Compressor {
    /// <summary>Archives directory src into the new directory dst with this compressor's
    /// parameters; replace replaces an existing archive at dst.</summary>
    public void WriteArchive(string src, string dst, bool replace = false) =>
        Ctx.archive_write(src, dst, replace ? z4ai_swig.Z4AI_ARCHIVE_REPLACE : 0);
}

}
