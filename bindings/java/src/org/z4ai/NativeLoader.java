package org.z4ai;

import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

/** Loads libz4ai_java: from java.library.path, else the copy packed inside the jar. */
final class NativeLoader {
    private static boolean loaded;

    private NativeLoader() {}

    static synchronized void load() {
        if (loaded) return;
        try {
            System.loadLibrary("z4ai_java");
        } catch (UnsatisfiedLinkError notOnPath) {
            String os = System.getProperty("os.name").toLowerCase().startsWith("linux") ? "linux" : System.getProperty("os.name");
            String arch = System.getProperty("os.arch").replace("amd64", "x86_64");
            String res = "/native/" + os + "-" + arch + "/" + System.mapLibraryName("z4ai_java");
            try (InputStream in = NativeLoader.class.getResourceAsStream(res)) {
                if (in == null) throw notOnPath;
                File tmp = File.createTempFile("z4ai_java", ".so");
                tmp.deleteOnExit();
                Files.copy(in, tmp.toPath(), StandardCopyOption.REPLACE_EXISTING);
                System.load(tmp.getAbsolutePath());
            } catch (java.io.IOException e) {
                UnsatisfiedLinkError err = new UnsatisfiedLinkError("cannot extract " + res + ": " + e);
                err.initCause(e);
                throw err;
            }
        }
        loaded = true;
    }
}
