// z4ai-example compress IN OUT [--dtype D] | decompress IN OUT
// Streams in bounded memory; the frame is byte-identical to `z4ai compress --dtype D IN`.
package main

import (
	"bufio"
	"fmt"
	"os"
)

const usage = "usage: z4ai-example compress IN OUT [--dtype D] | decompress IN OUT"

func run(args []string) error {
	if len(args) < 4 {
		return fmt.Errorf(usage)
	}
	in, err := os.Open(args[2])
	if err != nil {
		return err
	}
	defer in.Close()
	outFile, err := os.Create(args[3])
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(outFile, 1<<20)
	switch {
	case args[1] == "compress" && (len(args) == 4 || (len(args) == 6 && args[4] == "--dtype")):
		dtype := 0
		if len(args) == 6 {
			if dtype, err = DtypeFromName(args[5]); err != nil {
				return err
			}
		}
		st, err := in.Stat()
		if err != nil {
			return err
		}
		c, err := NewCompressor(dtype)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.CompressStream(out, in, st.Size()); err != nil {
			return err
		}
	case args[1] == "decompress" && len(args) == 4:
		d, err := NewDecompressor()
		if err != nil {
			return err
		}
		defer d.Close()
		if err := d.DecompressStream(out, in); err != nil {
			return err
		}
	default:
		return fmt.Errorf(usage)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	return outFile.Close()
}

func main() {
	if err := run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "z4ai-example:", err)
		os.Exit(1)
	}
}
