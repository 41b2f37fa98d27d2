#!/usr/bin/env python3
"""Containers, checkpoint deltas and model deltas on the real corpus, side by side with
ZipNN's delta mode. Run with the bench venv (it has zipnn + numpy):

  $Z4AI_CACHE/venv-bench/bin/python bench/containers/container_bench.py build/cli/z4ai \
      build/c_api/libz4ai.so [--out docs/containers-bench.json]

Measures (docs/CONTAINERS.md quotes the output):
  1. consecutive checkpoints (ft run, bf16 and fp32): z4ai delta frame / .z4dm vs ZipNN
     delta (delta_compressed_type="byte", method AUTO), by steps between checkpoints;
  2. the frozen fine-tune (.z4dm vs its base): cost per frozen tensor;
  3. the relayout fine-tune: .z4dm vs compressing the fine-tune alone (.zstn);
  4. container overhead vs the tensors' own frames, and one-tensor random access
     (bytes read, time vs decoding that tensor's frame alone).
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(os.environ.get("Z4AI_CACHE", Path(__file__).resolve().parents[2] / ".cache")) / "corpus"


def z4ai(binary, *args):
    p = subprocess.run([binary, *args, "-q", "-f", "-T", "1"], capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"z4ai {' '.join(args)} failed: {p.stderr}")


def zipnn_delta(cur: bytes, ref: bytes, dtype: str) -> int:
    from zipnn import ZipNN
    z = ZipNN(input_format="byte", bytearray_dtype={"bf16": "bfloat16", "fp32": "float32"}[dtype], threads=1,
              method="AUTO", delta_compressed_type="byte")
    comp = z.compress(bytearray(cur), delta_second_data=bytearray(ref))
    back = z.decompress(comp, delta_second_data=bytearray(ref))
    assert bytes(back) == cur, "ZipNN delta did not round-trip"
    return len(comp)


def describe(binary, path, base=None):
    args = [binary, "info", "--json", path] + (["--reference", base] if base else [])
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def checkpoints(binary, tmp, rows):
    ft = ROOT / "checkpoints" / "ft"
    for dtype, ext in (("bf16", ".bf16"), ("fp32", ".f32")):
        steps = sorted(p.name.split(".")[1] for p in ft.glob(f"minilm-ft.step*.{dtype}{ext}"))
        for gap in range(1, len(steps)):
            for i in range(len(steps) - gap):
                a, b = steps[i], steps[i + gap]
                ref = ft / f"minilm-ft.{a}.{dtype}{ext}"
                cur = ft / f"minilm-ft.{b}.{dtype}{ext}"
                raw = cur.stat().st_size
                out = os.path.join(tmp, "d.z4ai")
                z4ai(binary, "compress", "--dtype", dtype, "--reference", str(ref), str(cur), "-o", out)
                z_frame = os.path.getsize(out)
                st_ref, st_cur = (ft / f"minilm-ft.{s}.{dtype}.safetensors" for s in (a, b))
                dm = os.path.join(tmp, "d.z4dm")
                z4ai(binary, "compress", "--reference", str(st_ref), str(st_cur), "-o", dm)
                z_dm = os.path.getsize(dm)
                zn = zipnn_delta(cur.read_bytes(), ref.read_bytes(), dtype)
                row = {"dtype": dtype, "from": a, "to": b, "steps": int(b[4:]) - int(a[4:]), "raw": raw,
                       "z4ai_delta": z_frame, "z4ai_z4dm": z_dm, "st_size": st_cur.stat().st_size, "zipnn_delta": zn,
                       "ratio_z4ai": raw / z_frame, "ratio_z4dm": st_cur.stat().st_size / z_dm, "ratio_zipnn": raw / zn}
                row["vs_zipnn"] = row["ratio_z4ai"] / row["ratio_zipnn"]
                row["z4dm_vs_zipnn"] = row["ratio_z4dm"] / row["ratio_zipnn"]
                rows.append(row)
                print(f"  {dtype} {a}->{b} ({row['steps']} steps): z4ai {row['ratio_z4ai']:.3f}x  .z4dm "
                      f"{row['ratio_z4dm']:.3f}x  ZipNN {row['ratio_zipnn']:.3f}x  => {row['vs_zipnn']:.3f}x / "
                      f"{row['z4dm_vs_zipnn']:.3f}x ZipNN", flush=True)


def fine_tunes(binary, tmp, out):
    ck = ROOT / "checkpoints"
    for dtype in ("bf16", "fp32"):
        frozen = next((ck / "frozen").glob(f"*.{dtype}.safetensors"), None)
        base = ck / "ft" / f"minilm-ft.step000.{dtype}.safetensors"
        if frozen and base.exists():
            dm, zs = os.path.join(tmp, "f.z4dm"), os.path.join(tmp, "f.zstn")
            z4ai(binary, "compress", "--reference", str(base), str(frozen), "-o", dm)
            z4ai(binary, "compress", str(frozen), "-o", zs)
            d = describe(binary, dm, str(base))
            copies = [t for t in d["tensors"] if t["method"] == "base_copy"]
            changed = [t for t in d["tensors"] if t["method"] not in ("base_copy", "empty")]
            frames = sum(t["stored_size"] for t in d["tensors"])
            size = os.path.getsize(dm)
            changed_bytes = sum(t["nbytes"] for t in changed)
            r = {"dtype": dtype, "file_size": d["content_size"], "z4dm": size, "zstn_alone": os.path.getsize(zs),
                 "frozen_tensors": len(copies), "changed_tensors": len(changed), "changed_bytes": changed_bytes,
                 "changed_frames": frames, "non_frame_bytes": size - frames,
                 "bytes_per_frozen_tensor_upper_bound": (size - frames) / max(1, len(copies)),
                 "ratio": d["content_size"] / size, "total_over_changed": d["content_size"] / max(1, changed_bytes)}
            out.setdefault("frozen", []).append(r)
            print(f"  frozen {dtype}: {len(copies)} frozen tensors, {len(changed)} changed; .z4dm {size} B "
                  f"(ratio {r['ratio']:.2f}x; total/changed {r['total_over_changed']:.2f}x); bytes outside changed "
                  f"frames {size - frames} = <= {r['bytes_per_frozen_tensor_upper_bound']:.1f} B per frozen tensor",
                  flush=True)
        relayout = next((ck / "relayout").glob(f"*.{dtype}.safetensors"), None)
        rbase = ck / "ft" / f"minilm-ft.step200.{dtype}.safetensors"
        if relayout and rbase.exists():
            dm, zs = os.path.join(tmp, "r.z4dm"), os.path.join(tmp, "r.zstn")
            z4ai(binary, "compress", "--reference", str(rbase), str(relayout), "-o", dm)
            z4ai(binary, "compress", str(relayout), "-o", zs)
            d = describe(binary, dm, str(rbase))
            methods = {}
            for t in d["tensors"]:
                methods[t["method"]] = methods.get(t["method"], 0) + 1
            r = {"dtype": dtype, "z4dm": os.path.getsize(dm), "zstn_alone": os.path.getsize(zs), "methods": methods}
            r["gain"] = r["zstn_alone"] / r["z4dm"]
            out.setdefault("relayout", []).append(r)
            print(f"  relayout {dtype}: .z4dm {r['z4dm']} B vs alone {r['zstn_alone']} B => {r['gain']:.2f}x; "
                  f"methods {methods}", flush=True)


def containers(binary, lib, tmp, out):
    z = ctypes.CDLL(lib)
    z.z4ai_reader_create.restype = ctypes.c_void_p
    z.z4ai_dctx_create.restype = ctypes.c_void_p
    z.z4ai_reader_open_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    z.z4ai_reader_find.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t)]
    z.z4ai_reader_read_tensor.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
                                          ctypes.POINTER(ctypes.c_size_t)]
    z.z4ai_reader_io_stats.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64),
                                       ctypes.POINTER(ctypes.c_uint64)]
    z.z4ai_reader_free.argtypes = [ctypes.c_void_p]
    z.z4ai_dctx_free.argtypes = [ctypes.c_void_p]
    z.z4ai_decompress.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p,
                                  ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
    files = sorted(set(ROOT.glob("real/*.safetensors")) | set(ROOT.glob("derived/*/*.safetensors")) |
                   set(ROOT.glob("extract/*/*.safetensors")))
    for f in files:
        zs = os.path.join(tmp, "c.zstn")
        z4ai(binary, "compress", str(f), "-o", zs)
        d = describe(binary, zs)
        frames = sum(t["stored_size"] for t in d["tensors"])
        size = os.path.getsize(zs)
        dup = sum(t["nbytes"] for t in d["tensors"] if t["method"] == "same")
        row = {"file": str(f.relative_to(ROOT)), "tensors": len(d["tensors"]), "size": f.stat().st_size,
               "zstn": size, "frames": frames, "overhead_bytes": size - frames,
               "overhead_pct": 100.0 * (size - frames) / size, "ratio": f.stat().st_size / size,
               "tied_bytes_stored_once": dup}
        hb = header_blob_size(zs)
        row["header_blob"] = hb
        row["structure_overhead_pct"] = 100.0 * (size - frames - hb) / size
        # One tensor: the largest frame-coded tensor of a file with 100+ tensors.
        if len(d["tensors"]) >= 100:
            big = max((t for t in d["tensors"] if t["method"] == "frame"), key=lambda t: t["nbytes"])
            mid = sorted((t for t in d["tensors"] if t["method"] == "frame"), key=lambda t: t["nbytes"])[
                len(d["tensors"]) // 2]
            for t in (big, mid):
                idx = ctypes.c_size_t()
                buf = ctypes.create_string_buffer(t["nbytes"])
                w = ctypes.c_size_t()
                best_reader, best_frame = 1e9, 1e9
                data = open(zs, "rb").read()
                # The frame alone, from memory (located through the reader's index).
                r = z.z4ai_reader_create()
                z.z4ai_reader_open_file(r, zs.encode())
                z.z4ai_reader_find(r, t["name"].encode(), ctypes.byref(idx))
                calls, nbytes = ctypes.c_uint64(), ctypes.c_uint64()
                z.z4ai_reader_io_stats(r, ctypes.byref(calls), ctypes.byref(nbytes))
                open_bytes = nbytes.value
                z.z4ai_reader_free(r)
                frame_off = frame_offset_from_table(zs, idx.value)
                frame = data[frame_off: frame_off + t["stored_size"]]
                dctx = z.z4ai_dctx_create()
                best_open = 1e9
                for _ in range(15):
                    # Opening reads the prefix, trailer and index (once per file).
                    t0 = time.perf_counter()
                    r = z.z4ai_reader_create()
                    assert z.z4ai_reader_open_file(r, zs.encode()) == 0
                    assert z.z4ai_reader_find(r, t["name"].encode(), ctypes.byref(idx)) == 0
                    best_open = min(best_open, time.perf_counter() - t0)
                    # Reading the tensor from the open container (after one warm-up read
                    # that creates the reader's decoding workspace, as the warm dctx below has).
                    assert z.z4ai_reader_read_tensor(r, idx.value, buf, len(buf), ctypes.byref(w)) == 0
                    z.z4ai_reader_io_stats(r, ctypes.byref(calls), ctypes.byref(nbytes))
                    first_read = nbytes.value
                    t0 = time.perf_counter()
                    assert z.z4ai_reader_read_tensor(r, idx.value, buf, len(buf), ctypes.byref(w)) == 0
                    best_reader = min(best_reader, time.perf_counter() - t0)
                    nbytes.value = first_read
                    z.z4ai_reader_free(r)
                    # The same frame decoded alone (from memory, warm context).
                    t0 = time.perf_counter()
                    assert z.z4ai_decompress(dctx, buf, len(buf), frame, len(frame), ctypes.byref(w)) == 0
                    best_frame = min(best_frame, time.perf_counter() - t0)
                z.z4ai_dctx_free(dctx)
                row.setdefault("random_access", []).append(
                    {"tensor": t["name"], "nbytes": t["nbytes"], "frame": t["stored_size"], "bytes_read": nbytes.value,
                     "index_bytes": open_bytes, "reads": calls.value, "reader_s": best_reader, "open_s": best_open,
                     "frame_alone_s": best_frame, "time_ratio": best_reader / best_frame})
        out.setdefault("containers", []).append(row)
        ra = "".join(f"; one tensor ({a['nbytes']} B): read {a['bytes_read']} B = index {a['index_bytes']} + frame "
                     f"{a['frame']}, {a['time_ratio']:.2f}x the frame's decode time (open {a['open_s']*1e6:.0f} us)" for a in row.get("random_access", []))
        print(f"  {row['file']}: {row['tensors']} tensors, {row['ratio']:.3f}x, overhead {row['overhead_bytes']} B "
              f"({row['overhead_pct']:.3f}%; {row['structure_overhead_pct']:.3f}% without the header JSON blob){ra}",
              flush=True)


def header_blob_size(path):
    import struct
    data = open(path, "rb").read()
    off, _size = struct.unpack_from("<QI", data, len(data) - 24)
    return struct.unpack_from("<I", data, off + 20)[0]


def frame_offset_from_table(path, index):
    import struct
    data = open(path, "rb").read()
    off, size = struct.unpack_from("<QI", data, len(data) - 24)
    idx = data[off: off + size]
    fixed = 48 + (24 if data[:4] == b"Z4DM" else 0)
    hb, tb = struct.unpack_from("<II", idx, 20)
    table = _zstd_decompress(idx[fixed + hb: fixed + hb + tb])
    end = 16  # offsets are stored as distances from the end of the previous frame
    for i in range(index + 1):
        _method, _ref, skip, fsize = struct.unpack_from("<B3xIQQ", table, 24 * i)
        if fsize:
            start, end = end + skip, end + skip + fsize
    return start


def _zstd_decompress(blob):
    lib = ctypes.CDLL("libzstd.so.1")
    lib.ZSTD_getFrameContentSize.restype = ctypes.c_ulonglong
    lib.ZSTD_getFrameContentSize.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    n = lib.ZSTD_getFrameContentSize(blob, len(blob))
    out = ctypes.create_string_buffer(n)
    lib.ZSTD_decompress.restype = ctypes.c_size_t
    lib.ZSTD_decompress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    got = lib.ZSTD_decompress(out, n, blob, len(blob))
    assert got == n
    return out.raw


def markdown(res):
    """Tables for docs/CONTAINERS.md from a result dict."""
    out = []
    rows = res.get("checkpoints", [])
    if rows:
        out.append("| dtype | from → to | steps | z4ai delta | .z4dm | ZipNN delta | z4ai vs ZipNN | .z4dm vs ZipNN |")
        out.append("|---|---|---|---|---|---|---|---|")
        for r in rows:
            out.append(f"| {r['dtype']} | {r['from']} → {r['to']} | {r['steps']} | {r['ratio_z4ai']:.3f}x | "
                       f"{r['ratio_z4dm']:.3f}x | {r['ratio_zipnn']:.3f}x | **{r['vs_zipnn']:.3f}x** | "
                       f"{r['z4dm_vs_zipnn']:.3f}x |")
        for dt in ("bf16", "fp32"):
            v = [r["vs_zipnn"] for r in rows if r["dtype"] == dt]
            if v:
                out.append(f"\n{dt}: z4ai / ZipNN delta ratio {min(v):.3f}x – {max(v):.3f}x over {len(v)} pairs.")
        out.append("")
    for r in res.get("frozen", []):
        out.append(f"* frozen fine-tune ({r['dtype']}): {r['frozen_tensors']} frozen tensors, {r['changed_tensors']} "
                   f"changed ({r['changed_bytes']} B); .z4dm {r['z4dm']} B → ratio **{r['ratio']:.2f}x** "
                   f"(total / changed size = {r['total_over_changed']:.2f}x; the fine-tune alone as .zstn: "
                   f"{r['zstn_alone']} B). Everything outside the changed tensors' frames: {r['non_frame_bytes']} B, "
                   f"i.e. **≤ {r['bytes_per_frozen_tensor_upper_bound']:.1f} B per frozen tensor**.")
    for r in res.get("relayout", []):
        out.append(f"* relayout fine-tune ({r['dtype']}; renamed, reordered, added, dropped tensors + 40 steps): "
                   f".z4dm {r['z4dm']} B vs {r['zstn_alone']} B compressing it alone → **{r['gain']:.2f}x**; "
                   f"methods {r['methods']}.")
    if res.get("frozen") or res.get("relayout"):
        out.append("")
    rows = res.get("containers", [])
    if rows:
        out.append("| file | tensors | ratio | overhead vs its frames | without the header JSON | one tensor: bytes read "
                   "(index + frame) | time vs frame alone |")
        out.append("|---|---|---|---|---|---|---|")
        for r in rows:
            ra = r.get("random_access", [])
            big = ra[0] if ra else None
            acc = (f"{big['index_bytes']} + {big['frame']} ({big['nbytes']} B tensor)" if big else "")
            tm = " / ".join(f"{a['time_ratio']:.2f}x" for a in ra)
            out.append(f"| {r['file']} | {r['tensors']} | {r['ratio']:.3f}x | {r['overhead_bytes']} B "
                       f"({r['overhead_pct']:.3f}%) | {r.get('structure_overhead_pct', float('nan')):.3f}% | {acc} | {tm} |")
        import statistics
        tr = [a["time_ratio"] for r in rows for a in r.get("random_access", [])]
        if tr:
            out.append(f"\nOne-tensor reads (largest and median tensor of each 100+-tensor file): time vs decoding "
                       f"the frame alone: median {statistics.median(tr):.2f}x, max {max(tr):.2f}x over {len(tr)} "
                       f"reads; bytes read = index + frame exactly in every case.")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("z4ai")
    ap.add_argument("lib")
    ap.add_argument("--out")
    ap.add_argument("--only", choices=["checkpoints", "finetunes", "containers"])
    ap.add_argument("--markdown", help="write Markdown tables of the results to this file")
    ap.add_argument("--from-json", help="only render --markdown from an earlier --out file")
    a = ap.parse_args()
    if a.from_json:
        Path(a.markdown).write_text(markdown(json.loads(Path(a.from_json).read_text())) + "\n")
        return 0
    if not (ROOT / "checkpoints").exists():
        print(f"corpus absent ({ROOT})")
        return 1
    res = {"checkpoints": []}
    with tempfile.TemporaryDirectory() as tmp:
        if a.only in (None, "checkpoints"):
            print("consecutive checkpoints (delta vs ZipNN delta):")
            checkpoints(a.z4ai, tmp, res["checkpoints"])
        if a.only in (None, "finetunes"):
            print("fine-tunes (.z4dm):")
            fine_tunes(a.z4ai, tmp, res)
        if a.only in (None, "containers"):
            print("containers:")
            containers(a.z4ai, a.lib, tmp, res)
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=1))
    if a.markdown:
        Path(a.markdown).write_text(markdown(res) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
