import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import org.z4ai.Compressor;
import org.z4ai.Z4aiException;
import org.z4ai.Z4aiInputStream;
import org.z4ai.Z4aiOutputStream;

/**
 * Z4aiExample compress IN OUT [--dtype D] | decompress IN OUT
 * Streams through the Java binding in bounded memory; the frame is byte-identical to
 * `z4ai compress --dtype D IN` (same parameters, input size pledged).
 */
public class Z4aiExample {
    public static void main(String[] args) {
        String usage = "usage: Z4aiExample compress IN OUT [--dtype D] | decompress IN OUT";
        try {
            if (args.length >= 3 && args[0].equals("compress") && (args.length == 3 || (args.length == 5 && args[3].equals("--dtype")))) {
                Compressor c = new Compressor().pledgedSize(new File(args[1]).length());
                if (args.length == 5) c.dtype(args[4]);
                try (InputStream in = new FileInputStream(args[1]);
                     OutputStream out = new Z4aiOutputStream(new BufferedOutputStream(new FileOutputStream(args[2]), 1 << 20), c)) {
                    in.transferTo(out);
                }
            } else if (args.length == 3 && args[0].equals("decompress")) {
                try (InputStream in = new Z4aiInputStream(new BufferedInputStream(new FileInputStream(args[1]), 1 << 20));
                     OutputStream out = new BufferedOutputStream(new FileOutputStream(args[2]), 1 << 20)) {
                    in.transferTo(out);
                }
            } else {
                System.err.println(usage);
                System.exit(2);
            }
        } catch (Z4aiException e) {
            System.err.println("Z4aiExample: " + e.getMessage());
            System.exit(1);
        } catch (IOException e) {
            System.err.println("Z4aiExample: " + e.getMessage());
            System.exit(1);
        }
    }
}
