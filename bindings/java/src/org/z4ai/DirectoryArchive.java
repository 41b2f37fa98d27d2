package org.z4ai;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A directory archive (z4ai_archive_*): a model directory or hub snapshot as one DIR.z4ai/
 * directory, itself a model directory, with z4ai-manifest.json. The same archives as
 * {@code z4ai compress DIR}; written with {@link Compressor#writeArchive}. Not thread-safe.
 * <pre>
 * try (DirectoryArchive a = DirectoryArchive.open(Paths.get("model.z4ai"))) {
 *     byte[] config = a.read(a.find("config.json"));
 *     a.restore(Paths.get("model"));
 * }
 * </pre>
 */
public final class DirectoryArchive implements AutoCloseable {
    private Archive a = new Archive();

    private DirectoryArchive() { a.set_param(z4ai_swig.Z4AI_D_THREADS, 0); }

    /** Opens an archive directory (reads and validates its manifest). */
    public static DirectoryArchive open(Path dir) {
        DirectoryArchive x = new DirectoryArchive();
        try {
            x.a.open(dir.toString());
        } catch (RuntimeException e) {
            x.close();
            throw e;
        }
        return x;
    }

    private Archive a() {
        if (a == null) throw new Z4aiException(z4ai_swig.Z4AI_E_STAGE_WRONG, "Z4AI_E_STAGE_WRONG", "archive is closed");
        return a;
    }

    public int version() { return (int) a().version(); }
    /** Files (manifest order), then directories. */
    public int memberCount() { return Math.toIntExact(a().member_count()); }
    /** Index of the member at path; Z4aiException Z4AI_E_NOT_FOUND if absent. */
    public int find(String path) { return (int) a().find(path); }
    public String path(int index) { return a().member_path(index); }
    public String stored(int index) { return a().member_stored(index); }
    /** z4ai_swig.Z4AI_MEMBER_PLAIN, _FRAME, _CONTAINER, _MODEL_DELTA or _DIRECTORY. */
    public int kind(int index) { return a().member_kind(index); }
    public long size(int index) { return a().member_size(index); }
    public long storedSize(int index) { return a().member_stored_size(index); }
    /** Model delta: the path of its base member ("" otherwise). */
    public String base(int index) { return a().member_base(index); }

    /** The restored bytes of one member (checked against its size and digest). */
    public byte[] read(int index) {
        byte[] out = new byte[Math.toIntExact(a().member_size(index))];
        a().read(index, ByteBuffer.wrap(out));
        return out;
    }

    /** One member restored into a file (atomically). */
    public void extract(int index, Path dst) { a().extract(index, dst.toString()); }

    /** Every member restored under the new directory dst (modes, empty directories). */
    public void restore(Path dst) { a().restore(dst.toString()); }

    @Override
    public void close() {
        if (a != null) {
            a.close();
            a = null;
        }
    }
}
