#!/usr/bin/env python3
"""CLI robustness: full disk (a file-size limit, /dev/full, and a tiny tmpfs when
this machine lets us mount one), unreadable input, output in a missing directory,
existing output, corrupt and truncated input, broken pipe, SIGTERM mid-write.
Every case must give a clear message, a non-zero exit, no partial or temporary
file, and leave an existing output untouched.

usage: cli_robustness.py Z4AI_CLI
"""
import os
import resource
import signal
import subprocess
import threading
import sys
import tempfile
import time

CLI = sys.argv[1]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(args, limit_fsize=None, stdout=subprocess.DEVNULL, **kw):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG
        if limit_fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_fsize, limit_fsize))
    return subprocess.run([CLI] + args, stdout=stdout, stderr=subprocess.PIPE, text=False,
                          preexec_fn=pre, timeout=120, **kw)


def leftovers(d):
    return sorted(n for n in os.listdir(d) if "z4ai-tmp" in n)


def weights(n):
    import random
    import struct
    rnd = random.Random(5)
    return b"".join(struct.pack("<e", rnd.gauss(0, 0.02)) for _ in range(n // 2))


def main():
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.bin")
        with open(src, "wb") as f:
            f.write(weights(1 << 20))
        frame = os.path.join(d, "in.bin.z4ai")
        r = run(["compress", "-q", "--dtype", "fp16", src])
        check(r.returncode == 0 and os.path.exists(frame), "baseline compress")

        # Full disk via a file-size limit: new output and -f over an existing one.
        out = os.path.join(d, "out.z4ai")
        r = run(["compress", "-q", "--dtype", "fp16", src, "-o", out], limit_fsize=64 * 1024)
        msg = r.stderr.decode()
        check(r.returncode != 0 and "File too large" in msg, "file-size limit: error (%s)" % msg.strip())
        check(not os.path.exists(out) and leftovers(d) == [], "file-size limit: no partial or temp file")
        with open(out, "wb") as f:
            f.write(b"precious")
        r = run(["compress", "-q", "-f", "--dtype", "fp16", src, "-o", out], limit_fsize=64 * 1024)
        check(r.returncode != 0 and open(out, "rb").read() == b"precious" and leftovers(d) == [],
              "file-size limit with -f: existing output untouched")
        r = run(["decompress", "-q", "-f", frame, "-o", out], limit_fsize=64 * 1024)
        check(r.returncode != 0 and open(out, "rb").read() == b"precious" and leftovers(d) == [],
              "decompress, file-size limit: existing output untouched")
        r = run(["compress", "-q", "--dtype", "fp16", src, "-o", out])
        check(r.returncode != 0 and b"already exists" in r.stderr and open(out, "rb").read() == b"precious",
              "existing output without -f: refused, untouched")

        # /dev/full as stdout.
        with open("/dev/full", "wb") as full:
            r = run(["compress", "-q", "--dtype", "fp16", src, "-c"], stdout=full)
        check(r.returncode != 0 and b"No space left" in r.stderr, "stdout on /dev/full: " + r.stderr.decode().strip())
        with open("/dev/full", "wb") as full:
            r = run(["decompress", "-q", frame, "-c"], stdout=full)
        check(r.returncode != 0 and b"No space left" in r.stderr, "decompress to /dev/full")

        # A tiny tmpfs (needs mount privileges; skipped otherwise).
        mnt = os.path.join(d, "tiny")
        os.mkdir(mnt)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", mnt],
                          stderr=subprocess.DEVNULL).returncode == 0:
            try:
                target = os.path.join(mnt, "out.z4ai")
                r = run(["compress", "-q", "--dtype", "fp16", src, "-o", target])
                check(r.returncode != 0 and b"No space left" in r.stderr, "tmpfs full: " + r.stderr.decode().strip())
                check(os.listdir(mnt) == [], "tmpfs full: nothing left behind")
                r = run(["decompress", "-q", frame, "-o", os.path.join(mnt, "x.bin")])
                check(r.returncode != 0 and os.listdir(mnt) == [], "tmpfs full, decompress: nothing left behind")
            finally:
                subprocess.run(["umount", mnt])
        else:
            print("skip tmpfs (mount not permitted)")

        # Unreadable / missing input, missing output directory.
        # (A directory is a valid input: it compresses to a container directory.)
        for bad in [os.path.join(d, "missing.bin"), os.path.join(src, "not-a-dir")]:
            r = run(["compress", "-q", bad, "-o", os.path.join(d, "x.z4ai")])
            check(r.returncode != 0 and r.stderr.strip() and not os.path.exists(os.path.join(d, "x.z4ai")),
                  "bad input %s: %s" % (os.path.basename(bad), r.stderr.decode().strip()))
        r = run(["compress", "-q", src, "-o", os.path.join(d, "no", "such", "dir", "x.z4ai")])
        check(r.returncode != 0 and b"No such file" in r.stderr, "missing output directory")

        # Corrupt and truncated frames: error, no output.
        data = open(frame, "rb").read()
        for name, blob in [("truncated", data[: len(data) // 2]),
                           ("corrupt", data[:100] + bytes([data[100] ^ 1]) + data[101:]),
                           ("empty", b"")]:
            p = os.path.join(d, name + ".z4ai")
            open(p, "wb").write(blob)
            r = run(["decompress", "-q", p, "-o", os.path.join(d, name + ".out")])
            check(r.returncode != 0 and len(r.stderr.strip()) > 30 and not os.path.exists(os.path.join(d, name + ".out"))
                  and leftovers(d) == [], "%s frame: %s" % (name, r.stderr.decode().strip()))

        r = run(["decompress", "-q", os.path.join(d, "corrupt.z4ai"), "-c"])
        check(b"checksum mismatch" in r.stderr, "corrupt frame message names the problem")

        # Broken pipe: with SIGPIPE ignored (as many runtimes do) a clear EPIPE error;
        # with the default disposition the process ends by the signal. Never a hang.
        for ignore in (True, False):
            def pre(ignore=ignore):
                signal.signal(signal.SIGPIPE, signal.SIG_IGN if ignore else signal.SIG_DFL)
            p = subprocess.Popen([CLI, "decompress", "-q", frame, "-c"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, preexec_fn=pre)
            p.stdout.read(100)
            p.stdout.close()
            rc = p.wait(timeout=60)
            err = p.stderr.read().decode()
            if ignore:
                check(rc != 0 and "Broken pipe" in err, "broken pipe (SIGPIPE ignored): " + err.strip())
            else:
                check(rc == -signal.SIGPIPE or (rc != 0 and "Broken pipe" in err), "broken pipe (default): rc %d" % rc)

        # A FIFO given by path (e.g. a process substitution) is compressed whole:
        # the input-kind sniffing must not consume its first bytes.
        fifo_in = os.path.join(d, "fifo_in")
        os.mkfifo(fifo_in)
        payload = weights(1 << 17)
        feeder = threading.Thread(target=lambda: open(fifo_in, "wb").write(payload))
        feeder.start()
        piped = os.path.join(d, "piped.z4ai")
        r = run(["compress", "-q", "--dtype", "fp16", fifo_in, "-o", piped])
        feeder.join(timeout=60)
        r2 = run(["decompress", "-q", "-c", piped], stdout=subprocess.PIPE) if r.returncode == 0 else r
        check(r.returncode == 0 and r2.returncode == 0 and r2.stdout == payload,
              "FIFO input round-trips whole: " + r.stderr.decode().strip())

        # SIGTERM while writing: the temp file is removed.
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        out = os.path.join(d, "term.z4ai")
        p = subprocess.Popen([CLI, "compress", "-q", "--dtype", "fp16", fifo, "-o", out], stderr=subprocess.PIPE)
        w = open(fifo, "wb")
        w.write(weights(1 << 18))
        w.flush()
        for _ in range(100):
            if leftovers(d):
                break
            time.sleep(0.05)
        check(leftovers(d) != [], "SIGTERM test: temp file exists while writing")
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
        w.close()
        check(p.returncode != 0 and leftovers(d) == [] and not os.path.exists(out), "SIGTERM: temp file removed")

    print("%d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
