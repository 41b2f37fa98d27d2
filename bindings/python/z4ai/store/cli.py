"""``python3 -m z4ai.store`` / ``z4ai store``: the family store's command line."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, List, Optional

from .errors import StoreError

_EPILOG = """\
STORE is a directory, file:///path or s3://bucket/prefix (S3-compatible servers:
--endpoint-url or $AWS_ENDPOINT_URL). REF is NAME@REV (NAME alone = NAME@main).
The layout is specified in docs/STORE.md. The z4ai C++ CLI runs these commands
through this Python package ('z4ai store ...' = 'python3 -m z4ai.store ...')."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="z4ai store", description="A deduplicating store for model families.",
                                epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint-url", help="S3 endpoint (http://host:port)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    s = sub.add_parser("push", help="store model directories (or files) as revisions")
    s.add_argument("store")
    s.add_argument("ref", help="NAME@REV")
    s.add_argument("path", help="model directory or file")
    s.add_argument("--base", default="auto", help="auto (default: most similar stored tensors), none, or NAME@REV")
    s.add_argument("--effort", default="default", choices=["fast", "default", "max"])
    s.add_argument("-T", "--threads", type=int, default=0, help="z4ai threads (0 = all cores)")

    s = sub.add_parser("ingest", help="push many revisions on Dask distributed")
    s.add_argument("store")
    s.add_argument("items", nargs="+", help="NAME@REV=PATH ...; ';' separates waves (later waves delta against "
                                            "earlier ones)")
    s.add_argument("--scheduler", help="Dask scheduler address (default: a LocalCluster)")
    s.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    s.add_argument("--base", default="auto", choices=["auto", "none"])
    s.add_argument("--effort", default="default", choices=["fast", "default", "max"])

    s = sub.add_parser("pull", help="restore a revision byte for byte")
    s.add_argument("store")
    s.add_argument("ref")
    s.add_argument("dest")
    s.add_argument("-f", "--force", action="store_true", help="replace existing files")
    s.add_argument("-T", "--threads", type=int, default=0)

    s = sub.add_parser("open", help="list a revision's tensors, or write one tensor's raw bytes")
    s.add_argument("store")
    s.add_argument("ref")
    s.add_argument("tensor", nargs="?")
    s.add_argument("--file", help="the safetensors file (when the revision has several)")
    s.add_argument("-o", "--output", help="write the tensor's raw bytes here ('-' = stdout)")

    s = sub.add_parser("ls", help="list revisions")
    s.add_argument("store")

    s = sub.add_parser("info", help="files, tensors and stored sizes of a revision")
    s.add_argument("store")
    s.add_argument("ref")

    s = sub.add_parser("rm", help="remove a revision's ref (gc collects its data)")
    s.add_argument("store")
    s.add_argument("ref", nargs="+")

    s = sub.add_parser("gc", help="collect objects no ref reaches (two-phase, grace period)")
    s.add_argument("store")
    s.add_argument("--grace", type=float, help="seconds (default: the store's, 3600); 0 only on a quiet store")
    s.add_argument("--dry-run", action="store_true")

    s = sub.add_parser("verify", help="decode every reachable object and check every digest")
    s.add_argument("store")
    s.add_argument("-T", "--threads", type=int, default=0)
    return p


def _print(args: Any, obj: Any, text: str) -> None:
    print(json.dumps(obj, indent=1, default=str) if args.json else text)


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    from .core import Store

    opts = {"endpoint_url": args.endpoint_url} if args.endpoint_url else {}
    try:
        if args.cmd == "ingest":
            return _ingest(args, opts)
        st = Store(args.store, **opts)
        if args.cmd == "push":
            r = st.push(args.ref, args.path, base=args.base, effort=args.effort, threads=args.threads)
            _print(args, r.__dict__, f"{r.ref}: {r.files} files, {r.tensors} tensors ({r.reused_tensors} reused, "
                                     f"{r.delta_tensors} delta, {r.new_tensors} new); {r.bytes_in} -> "
                                     f"{r.bytes_written} bytes written ({r.ratio:.2f}x) in {r.seconds:.1f} s")
        elif args.cmd == "pull":
            r = st.pull(args.ref, args.dest, force=args.force, threads=args.threads)
            _print(args, r, f"{r['ref']}: {r['files']} files, {r['bytes']} bytes restored and verified "
                            f"in {r['seconds']:.1f} s")
        elif args.cmd == "open":
            with st.open(args.ref, args.file) as m:
                if args.tensor is None:
                    rows = [m.info(n) for n in m.names()]
                    _print(args, [r.__dict__ for r in rows],
                           "\n".join(f"{r.name}\t{r.dtype}\t{list(r.shape)}\t{r.nbytes}\t{r.method}\t{r.stored_size}"
                                     for r in rows))
                else:
                    raw = m.read(args.tensor)
                    if args.output in (None, "-"):
                        sys.stdout.buffer.write(raw)
                    else:
                        with open(args.output, "wb") as f:
                            f.write(raw)
        elif args.cmd == "ls":
            rows = st.ls()
            _print(args, rows, "\n".join(f"{r['ref']}\t{r['manifest'][:16]}" for r in rows))
        elif args.cmd == "info":
            r = st.info(args.ref)
            lines = [f"{r['ref']}  manifest {r['manifest'][:16]}  {r['size']} bytes, frames {r['frame_bytes']} bytes",
                     f"tensors: {r['tensors']}"] + [f"  {f['path']}\t{f['kind']}\t{f['size']}\t{f['tensors']} tensors"
                                                    for f in r["files"]]
            _print(args, r, "\n".join(lines))
        elif args.cmd == "rm":
            for ref in args.ref:
                st.rm(ref)
            _print(args, {"removed": args.ref}, f"removed {', '.join(args.ref)}")
        elif args.cmd == "gc":
            r = st.gc(grace=args.grace, dry_run=args.dry_run)
            r.pop("deleted_keys", None) if not args.json else None
            _print(args, r, f"marked {r['marked']}, deleted {r['deleted']}, condemned {r['condemned']} "
                            f"(deleted after the grace period by a later gc)")
        elif args.cmd == "verify":
            r = st.verify(threads=args.threads)
            _print(args, r, "\n".join([f"{r['refs']} refs, {r['frames']} frames verified, "
                                       f"{len(r['errors'])} errors"] + r["errors"]))
            return 1 if r["errors"] else 0
    except StoreError as e:
        print(f"z4ai store: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"z4ai store: {e}", file=sys.stderr)
        return 1
    return 0


def _ingest(args: Any, opts: Any) -> int:
    from .ingest import ingest

    waves, items = [], []
    cur: List[str] = []
    for tok in args.items:
        for part in tok.split(";"):
            if part == "":
                if cur:
                    waves.append(cur)
                    cur = []
                continue
            ref, eq, path = part.partition("=")
            if not eq:
                raise SystemExit(f"z4ai store ingest: expected NAME@REV=PATH, got {part!r}")
            items.append((ref, path))
            cur.append(ref)
        if tok.endswith(";") and cur:
            waves.append(cur)
            cur = []
    if cur:
        waves.append(cur)
    from distributed import Client, LocalCluster

    if args.scheduler:
        with Client(args.scheduler) as client:
            res = ingest(args.store, items, client, waves=waves, base=args.base, effort=args.effort, **opts)
    else:
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0") as c, \
                Client(c) as client:
            res = ingest(args.store, items, client, waves=waves, base=args.base, effort=args.effort, **opts)
    for r in res:
        _print(args, r.__dict__, f"{r.ref}: {r.files} files, {r.bytes_in} -> {r.bytes_written} bytes")
    return 0
