#!/usr/bin/env python3
"""Turn one bench/run.py results folder into docs/BENCHMARKS.md. Nothing in the output is typed by
hand: every figure comes from the JSON in the results folder, the corpus's bounds.json and
index.json.

  python3 bench/report.py RESULTS_DIR [--out docs/BENCHMARKS.md]
"""
from __future__ import annotations

import argparse
import re
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

CODEC_LABEL = {"z4ai": "z4ai", "zipnn": "ZipNN", "openzl": "OpenZL", "pcodec": "pcodec", "blosc2": "blosc2",
               "zstd": "zstd", "zstd-planes": "zstd on byte planes", "brotli": "brotli", "memcpy": "memcpy"}
Z4AI_ORDER = {"fast": 0, "default": 1, "max": 2}


# ----------------------------------------------------------------------------- loading
def load(results: Path):
    meta = json.loads((results / "meta.json").read_text())
    corpus = Path(meta["corpus"])

    def rel(p):
        if not p:
            return ""
        try:
            return str(Path(p).resolve().relative_to(corpus.resolve()))
        except ValueError:
            return str(p)

    rows = []
    for f in sorted((results / "z4ai").glob("*.json")):
        try:
            data = json.loads(f.read_text())
        except ValueError as e:
            rows.append({"file": f.name, "codec": "z4ai bench", "variant": "", "threads": 0,
                         "error": f"unreadable result {f.name}: {e}", "source": "z4ai"})
            continue
        for r in data:
            rows.append({
                "file": rel(r["path"]), "codec": r["codec"], "variant": r["variant"], "threads": r["threads"],
                "dtype": r["dtype"], "bytes": r["bytes"], "ratio": r["ratio"],
                "c": r["compress_MBps_median"], "d": r["decompress_MBps_median"],
                "d_best": r.get("decompress_MBps_best"),
                "c_cpu": r.get("compress_MBps_cpu_median"), "d_cpu": r.get("decompress_MBps_cpu_median"),
                "peak": r["peak_rss_MB"], "base": r.get("base_rss_MB"), "runs": r["runs"],
                "c_runs": r.get("compress_runs", r["runs"]), "warm": r.get("compress_warm_up", r.get("warm_up", True)), "ok": r["roundtrip_ok"], "ref": rel(r.get("ref")),
                "error": r.get("error") or "", "source": "z4ai", "version": meta.get("z4ai_version", "")})
    for f in sorted((results / "competitors").glob("*.json")):
        try:
            data = json.loads(f.read_text())
        except ValueError as e:
            rows.append({"file": f.name, "codec": "competitors", "variant": "", "threads": 0,
                         "error": f"unreadable result {f.name}: {e}", "source": "py"})
            continue
        for r in data["rows"]:
            rows.append({
                "file": rel(r["file"]), "codec": r["codec"], "variant": r["variant"], "threads": r["threads"],
                "dtype": r.get("dtype"), "bytes": r.get("orig_bytes"), "ratio": r.get("ratio"),
                "c": r.get("compress_MBps_median"), "d": r.get("decompress_MBps_median"),
                "c_cpu": r.get("compress_MBps_cpu_median"), "d_cpu": r.get("decompress_MBps_cpu_median"),
                "peak": r.get("peak_rss_MB"), "base": r.get("baseline_rss_MB"), "runs": r.get("reps"),
                "c_runs": r.get("reps"),
                "warm": True, "ok": bool(r.get("roundtrip_ok")), "ref": rel(r.get("ref")),
                "error": r.get("error") or "", "source": "py", "version": r.get("codec_version") or "",
                "mutates": r.get("mutates_input"), "load": (r.get("loadavg_1m_start"), r.get("loadavg_1m_end"))})
    bounds, index = {}, {}
    bp, ip = corpus / "bounds.json", corpus / "index.json"
    for path in (results / "bounds.json", bp):  # the run's own (files the corpus lacked) first
        if path.exists():
            for b in json.loads(path.read_text())["files"]:
                bounds.setdefault(rel(b["file"]), b)
    if ip.exists():
        for e in json.loads(ip.read_text())["files"]:
            index[e["path"]] = e
    micro = json.loads((results / "micro.json").read_text()) if (results / "micro.json").exists() else None
    stream = json.loads((results / "stream.json").read_text()) if (results / "stream.json").exists() else None
    return meta, rows, bounds, index, micro, stream


# ----------------------------------------------------------------------------- helpers
def fnum(x, nd=0, dash="–"):
    if x is None or x == "":
        return dash
    try:
        return f"{float(x):,.{nd}f}"
    except (TypeError, ValueError):
        return str(x)


def mb(n):
    return f"{n / 1e6:.1f} MB" if n else "?"


class Rows:
    def __init__(self, rows):
        self.rows = rows

    def get(self, file, codec, variant, threads, ref=""):
        for r in self.rows:
            if (r["file"] == file and r["codec"] == codec and r["variant"] == variant and r["threads"] == threads
                    and (r.get("ref") or "") == ref and not r["error"] and r.get("ratio")):
                return r
        return None

    def for_file(self, file, ref=None):
        return [r for r in self.rows if r["file"] == file and (ref is None or (r.get("ref") or "") == ref)]


def bound_of(b):
    """(plane label, bounds dict) for the exponent plane that sets the dense bound."""
    if not b:
        return None, None
    for k in ("exp8", "exp5"):
        if k in b:
            return k, b[k]
    return None, None


def sort_key(r):
    order = {"memcpy": 0, "z4ai": 1}
    if r["codec"] in order:
        v = r["variant"].split("+")[0]
        return (order[r["codec"]], "+delta" in r["variant"], Z4AI_ORDER.get(v, 9), r["threads"], 0)
    return (2, False, 0, -(r.get("ratio") or 0), r["threads"])


def row_table(rs, bound_ratio=None, value_ratio=None):
    head = ("| codec | variant | thr | ratio | % of H0 bound | compress MB/s | decompress MB/s | CPU-time MB/s c / d "
            "| peak RSS MB (over input) | timed calls | round trip |")
    out = [head, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    for r in sorted(rs, key=sort_key):
        if r["error"] and not r.get("ratio"):
            out.append(f"| {CODEC_LABEL.get(r['codec'], r['codec'])} | {r['variant']} | {r['threads']} | – | – | – | – "
                       f"| – | – | – | **error**: {r['error'][:160].replace('|', '/')} |")
            continue
        pct = f"{100 * r['ratio'] / bound_ratio:.1f}%" if bound_ratio and r["codec"] != "memcpy" else ""
        cpu = f"{fnum(r.get('c_cpu'))} / {fnum(r.get('d_cpu'))}" if r["threads"] == 1 else ""
        over = ""
        if r.get("peak") is not None and r.get("base") is not None:
            over = f"{fnum(r['peak'])} ({fnum(r['peak'] - r['base'])})"
        runs = f"{r.get('runs')}" if r.get("c_runs") == r.get("runs") else f"{r.get('c_runs')} / {r.get('runs')}"
        runs += "" if r.get("warm", True) else " †"
        rt = "ok" if r["ok"] else f"**FAIL** {r['error'][:80]}"
        label = CODEC_LABEL.get(r["codec"], r["codec"])
        ratio = f"**{r['ratio']:.4f}**" if r["codec"] == "z4ai" else f"{r['ratio']:.4f}"
        out.append(f"| {label} | {r['variant']} | {r['threads']} | {ratio} | {pct} | {fnum(r['c'])} | {fnum(r['d'])} "
                   f"| {cpu} | {over} | {runs} | {rt} |")
    return "\n".join(out)


def describe(index, rel):
    e = index.get(rel) or {}
    d = e.get("description") or ""
    return d[:220] + ("…" if len(d) > 220 else "")


# ----------------------------------------------------------------------------- targets
def targets(R: Rows, meta, bounds, stream):
    files = [f["path"] for f in meta["files"]]
    dense = [f["path"] for f in meta["files"] if f["group"] == "dense"]
    out = []

    def add(issue, target, measured, ok, note=""):
        status = "—" if ok is None else ("**met**" if ok else "**MISSED**")
        out.append((issue, target, measured, status, note))

    def zr(f, v, t=1):
        return R.get(f, "z4ai", v, t)

    def zip_(f, t=1):
        return R.get(f, "zipnn", "huffman-auto", t)

    def dtype_of(f):
        r = next((r for r in R.rows if r["file"] == f and r.get("dtype")), None)
        return r["dtype"] if r else "?"

    def worst(pairs, fmt="{:.3f}"):
        """pairs: [(file, value)] -> (min value, file)"""
        pairs = [(f, v) for f, v in pairs if v is not None]
        if not pairs:
            return None, None
        f, v = min(pairs, key=lambda p: p[1])
        return v, f

    def short(f):
        return Path(f).name

    def per_file(label, fn, thr, issue, note="", cpu_fn=None):
        vals = []
        for f in dense:
            try:
                vals.append((f, fn(f)))
            except (TypeError, ZeroDivisionError, KeyError):
                vals.append((f, None))
        v, f = worst(vals)
        if v is None:
            add(issue, label, "not measured (missing rows)", None, note)
            return
        allv = ", ".join(f"{short(ff)} {vv:.4f}" for ff, vv in vals if vv is not None)
        meas = f"worst {v:.4f} ({short(f)}); {allv}"
        if cpu_fn:
            cv = []
            for ff in dense:
                try:
                    cv.append((ff, cpu_fn(ff)))
                except (TypeError, ZeroDivisionError, KeyError):
                    pass
            c, cf = worst(cv)
            if c is not None:
                meas += f". CPU-time: worst {c:.3f} ({short(cf)})"
        add(issue, label, meas, v >= thr, note)

    # issue 7: dense
    per_file("default ratio ≥ ZipNN ratio (1 thread), every dense file: z4ai/ZipNN ratio ≥ 1",
             lambda f: zr(f, "default")["ratio"] / zip_(f)["ratio"], 1.0, 7)
    per_file("default ratio ≥ zstd-3 on byte planes: z4ai/zstd-planes-3 ≥ 1",
             lambda f: zr(f, "default")["ratio"] / R.get(f, "zstd-planes", "3", 1)["ratio"], 1.0, 7)
    per_file("default decompress ≥ 1.5× ZipNN (MB/s, 1 thread, wall median)",
             lambda f: zr(f, "default")["d"] / zip_(f)["d"], 1.5, 7,
             cpu_fn=lambda f: zr(f, "default")["d_cpu"] / zip_(f)["d_cpu"])
    per_file("default compress ≥ 1.2× ZipNN (MB/s, 1 thread, wall median)",
             lambda f: zr(f, "default")["c"] / zip_(f)["c"], 1.2, 7,
             cpu_fn=lambda f: zr(f, "default")["c_cpu"] / zip_(f)["c_cpu"])
    per_file("fast decompress ≥ 4× ZipNN (1 thread)", lambda f: zr(f, "fast")["d"] / zip_(f)["d"], 4.0, 7,
             "CPU flags: " + " ".join(meta["host"].get("cpu_flags", [])),
             cpu_fn=lambda f: zr(f, "fast")["d_cpu"] / zip_(f)["d_cpu"])
    per_file("fast ratio ≥ 0.96× ZipNN", lambda f: zr(f, "fast")["ratio"] / zip_(f)["ratio"], 0.96, 7)
    per_file("(context) fast decompress with checksums off, × ZipNN (which has none)",
             lambda f: zr(f, "fast+nochecksum")["d"] / zip_(f)["d"], 4.0, 7,
             cpu_fn=lambda f: zr(f, "fast+nochecksum")["d_cpu"] / zip_(f)["d_cpu"])
    per_file("(context) memcpy ceiling, × ZipNN decompress (the fast tier cannot exceed it)",
             lambda f: R.get(f, "memcpy", "ceiling", 1)["d"] / zip_(f)["d"], 4.0, 7)

    def best_competitor(f):
        cands = [r for r in R.rows if r["file"] == f and not r.get("ref") and r.get("ratio") and not r["error"]
                 and r["codec"] not in ("z4ai", "memcpy") and r["ok"]]
        return max(cands, key=lambda r: r["ratio"]) if cands else None

    vals, detail = [], []
    for f in dense:
        m, b = zr(f, "max"), best_competitor(f)
        if m and b:
            need = 1.005 if dtype_of(f) == "bf16" else 1.0
            vals.append((f, m["ratio"] / (b["ratio"] * need)))
            detail.append(f"{short(f)} {m['ratio'] / b['ratio']:.4f} vs {CODEC_LABEL.get(b['codec'], b['codec'])} "
                          f"{b['variant']}")
    v, f = worst(vals)
    add(7, "max smaller than every other codec in the table (bf16: by ≥ 0.5%): z4ai max / best other ratio",
        "; ".join(detail) if detail else "not measured", None if v is None else v >= 1.0)
    per_file("max never larger than default: max/default ratio ≥ 1",
             lambda f: zr(f, "max")["ratio"] / zr(f, "default")["ratio"], 1.0, 7)
    per_file("max decompress ≥ 0.5× ZipNN", lambda f: zr(f, "max")["d"] / zip_(f)["d"], 0.5, 7,
             cpu_fn=lambda f: zr(f, "max")["d_cpu"] / zip_(f)["d_cpu"])
    ncpu = meta["host"].get("logical_cpus") or 2
    per_file(f"{ncpu} threads vs 1, default tier, compress ≥ 1.8×",
             lambda f: zr(f, "default", ncpu)["c"] / zr(f, "default")["c"], 1.8, 7,
             "the machine is shared: another process on the second core caps this")
    per_file(f"{ncpu} threads vs 1, default tier, decompress ≥ 1.8×",
             lambda f: zr(f, "default", ncpu)["d"] / zr(f, "default")["d"], 1.8, 7)
    if stream:
        peak = max(stream["compress_peak_rss_MB"], stream["decompress_peak_rss_MB"])
        add(7, "stream-compress and stream-decompress 4 GiB with peak RSS ≤ 256 MiB",
            f"{stream['bytes'] / 2**30:.2f} GiB, compress {stream['compress_peak_rss_MB']:.0f} MiB, decompress "
            f"{stream['decompress_peak_rss_MB']:.0f} MiB, round trip {'ok' if stream['ok'] else 'FAILED'}",
            peak <= 256 and stream["ok"] and stream["bytes"] >= 4 << 30)
    else:
        add(7, "stream 4 GiB with peak RSS ≤ 256 MiB", "not measured in this run (`bench/run.sh --full` does)",
            None)

    # issue 5: structured
    def find(variant_part, dt=None):
        return [f for f in files if variant_part in Path(f).name and (dt is None or dtype_of(f) == dt)]

    for f in find("upcast-bf16"):
        z, zp = zr(f, "default"), zip_(f)
        if z:
            add(5, f"fp32 holding bf16 ({short(f)}): ≥ 2.3x and ≥ ZipNN",
                f"{z['ratio']:.3f}x (ZipNN {zp['ratio']:.3f}x)" if zp else f"{z['ratio']:.3f}x (ZipNN missing)",
                z["ratio"] >= 2.3 and (zp is None or z["ratio"] >= zp["ratio"]))
    for f in find("int8pc-fp16") + find("int8pc-bf16"):
        z = zr(f, "default")
        if z:
            add(5, f"int8-origin in a 16-bit container ({short(f)}): ≥ 2.4x", f"{z['ratio']:.3f}x", z["ratio"] >= 2.4)
    for f in find("int4pc-fp16") + find("int4g128-fp16"):
        z = zr(f, "default")
        if z:
            add(5, f"int4-origin ({short(f)}): ≥ 4x", f"{z['ratio']:.3f}x", z["ratio"] >= 4.0)
    for f in find("prune50"):
        z = zr(f, "default")
        dense_twin = next((d for d in dense if Path(d).name.split(".")[0] == Path(f).name.split(".")[0]
                           and dtype_of(d) == dtype_of(f)), None)
        zd = zr(dense_twin, "default") if dense_twin else None
        if z and zd:
            add(5, f"pruned 50% ({short(f)}): beats dense by ~the density factor (pruned/dense ratio ≈ 2, "
                   "met at ≥ 1.9)", f"{z['ratio']:.3f}x vs dense {zd['ratio']:.3f}x = {z['ratio'] / zd['ratio']:.2f}×",
                z["ratio"] / zd["ratio"] >= 1.9)
    for f in [m["path"] for m in meta["files"] if m["group"] == "structured"]:
        z = zr(f, "default")
        if not z:
            continue
        others = [r for r in R.for_file(f, "") if r["codec"] in ("zipnn", "zstd", "zstd-planes") and r.get("ratio")
                  and not r["error"]]
        if others:
            b = max(others, key=lambda r: r["ratio"])
            add(5, f"{short(f)}: z4ai default at least as small as ZipNN and zstd",
                f"{z['ratio']:.3f}x vs best {CODEC_LABEL.get(b['codec'])} {b['variant']} {b['ratio']:.3f}x",
                z["ratio"] >= b["ratio"])

    # issue 8: deltas
    for p in meta.get("pairs", []):
        f, ref = p["path"], p["ref"]
        zd = R.get(f, "z4ai", "default+delta", 1, ref)
        zpd = R.get(f, "zipnn", "huffman-auto+delta-xor", 1, ref)
        name = Path(f).name
        if "minilm-ft.step" in name:
            need = 1.1 if dtype_of(f) == "bf16" else 1.05
            lab = f"consecutive {dtype_of(f)} checkpoints ({name}): delta ratio ≥ {need}× ZipNN's delta"
        elif "frozen" in name:
            need, lab = None, f"frozen fine-tune vs base ({name}): ratio approaches total/changed size (shown vs ZipNN delta)"
        elif "relayout" in name:
            need, lab = None, (f"layout-changed fine-tune ({name}): ≥ 1.3× compressing it alone — needs the "
                               "tensor-aware model delta (.z4dm, issue 8); here raw-byte delta vs alone")
        else:
            need, lab = None, f"{name} vs {Path(ref).name}: delta vs ZipNN delta"
        if zd and zpd:
            rel = zd["ratio"] / zpd["ratio"]
            alone = R.get(f, "z4ai", "default", 1, "")
            meas = f"z4ai {zd['ratio']:.3f}x, ZipNN delta {zpd['ratio']:.3f}x → {rel:.3f}×"
            if alone:
                meas += f"; z4ai alone {alone['ratio']:.3f}x"
            ok = (rel >= need) if need else None
            if "relayout" in name and alone:
                ok = zd["ratio"] >= 1.3 * alone["ratio"]
            add(8, lab, meas, ok)
        else:
            add(8, lab, "not measured (missing rows)", None)
    for lab in ("layout-changed fine-tune (.z4dm, tensor-aware): ≥ 1.3× compressing it alone",
                "frozen fine-tune (.z4dm): each frozen tensor ≤ 64 bytes",
                "container (.zstn) ratio within 0.5% of its tensors' frames; one-tensor read ≤ 1.2× its frames' decode"):
        add(8, lab, "not in this run: measured on the same corpus by `bench/containers/container_bench.py`", None)
    return out


# ----------------------------------------------------------------------------- report
def render(results: Path) -> str:
    meta, rows, bounds, index, micro, stream = load(results)
    R = Rows(rows)
    host = meta["host"]
    L = []
    w = L.append
    w("# z4ai benchmarks")
    w("")
    w(f"> Generated by `bench/report.py` from a `bench/run.sh --{meta['set']}` run "
      f"(results `{results.name}`) "
      f"({meta['started_utc']} → {meta.get('finished_utc', '?')} UTC, {fnum(meta.get('wall_seconds', 0) / 60, 1)} min) "
      f"at commit `{meta['git_commit'][:10]}`{' (+ uncommitted changes)' if meta.get('git_dirty') else ''} — "
      f"{meta.get('git_describe', '')[8:90]}. Nothing here is typed by hand; to refresh it run the command below.")
    w("")
    w("## Reproduce")
    w("")
    w("```sh")
    w("bench/run.sh --full    # this document: builds release z4ai, fetches the corpus and the competitors' venv")
    w("                       # if missing, runs every step listed below, rewrites docs/BENCHMARKS.md")
    w("                       # (JSON in $Z4AI_CACHE/results/full-<time>/)")
    w("bench/run.sh --quick   # CI-sized subset: the PP-OCRv4 recognizer files (5-11 MB) and the Silero pair")
    w("```")
    w("")
    w("<details><summary>Every command this run executed (with its exit code and time; $RESULTS = the "
      "results folder)</summary>")
    w("")
    w("```")
    subs = [(str(results.resolve()), "$RESULTS"), (str(Path(meta["corpus"]).parent), "$Z4AI_CACHE"),
            (meta.get("repo") or str(REPO), ".")]
    for c in meta.get("commands", []):
        w(f"# {c['what']}  [exit {c['rc']}, {c['seconds']} s, load {c.get('loadavg_1m_start', '?')}→{c.get('loadavg_1m_end', '?')}]")
        cmd = c["cmd"]
        for a, b in subs:
            cmd = cmd.replace(a + "/", b + "/").replace(a, b)
        w(cmd)
    w("```")
    w("")
    w("</details>")
    w("")

    # machine
    memcpy = [r for r in rows if r["codec"] == "memcpy" and r.get("d")]
    big = max(memcpy, key=lambda r: r.get("bytes") or 0) if memcpy else None
    w("## Machine")
    w("")
    w("| | |")
    w("|---|---|")
    w(f"| CPU | {host['cpu_model']} |")
    w(f"| logical CPUs | {host['logical_cpus']} |")
    w(f"| SIMD | {' '.join(host.get('cpu_flags', []))} |")
    w(f"| RAM | {host.get('mem_total_GiB')} GiB |")
    w(f"| kernel | {host.get('kernel')} |")
    if big:
        best = big.get("d_best") or big["d"]
        w(f"| memcpy, 1 thread | {big['d'] / 1000:.1f} GB/s median, {best / 1000:.1f} GB/s best, on a "
          f"{mb(big['bytes'])} buffer ({Path(big['file']).name}; smaller, cache-resident rows reach "
          f"{max(r['d'] for r in memcpy) / 1000:.0f} GB/s) |")
    la0, la1 = host.get("loadavg_start", ["?"] * 3), host.get("loadavg_end", ["?"] * 3)
    loads = [c.get("loadavg_1m_start") for c in meta.get("commands", []) if c.get("loadavg_1m_start") is not None]
    w(f"| load average (1 min) | start {la0[0]}, end {la1[0]}; per step {min(loads) if loads else '?'}–"
      f"{max(loads) if loads else '?'} (median {round(statistics.median(loads), 1) if loads else '?'}) |")
    w(f"| z4ai | {meta.get('z4ai_version', '')}, CMake Release (-O3), `{Path(meta['z4ai']).name}` |")
    vers = sorted({(r['codec'], r['version']) for r in rows if r['source'] == 'py' and r.get('version')})
    w(f"| competitors | {', '.join(f'{CODEC_LABEL.get(c, c)} {v}' for c, v in vers) or 'none measured'} |")
    w("")
    w(f"**This machine is shared.** It has {host['logical_cpus']} logical CPUs and several other engineers build and "
      "test on it at the same time (see the load average: above the core count means the benchmark got only a "
      "share of a core). Ratios are exact and repeatable; wall-clock MB/s are depressed and noisy, and rows "
      "measured minutes apart saw different load. One-thread rows therefore also show **CPU-time MB/s** (input "
      "bytes / process CPU time of the call), which is far less sensitive to other processes; multi-thread rows "
      "only have wall-clock figures. Compare rows of one run, never with figures from another machine.")
    w("")

    # framing
    w("## Honest framing")
    w("")
    w("On dense trained weights every lossless codec meets the same wall: the mantissa of a trained float is close "
      "to random, and the exponent carries only ~2.6–3.5 bits. If sign and mantissa are incompressible, the best "
      "possible ratio is bits / (H(exponent) + other bits): **dense bf16 is bounded near ~1.5x, fp16 near ~1.2x and "
      "fp32 near ~1.2x**. Each dense table below shows that bound (order-0 entropy of the exponent plane, from "
      "`bench/corpus/bounds.py`) and how close each codec gets (\"% of H0 bound\"; per-chunk adaptive coders can "
      "slightly exceed the global order-0 bound). The large wins are elsewhere — fp32 holding bf16 values, "
      "quantized values in wide containers, pruned weights, consecutive checkpoints — and the structured and "
      "delta sections measure those. Derived files (bf16, fp16, upcast, quantized, pruned) are made from the "
      "real fp32 weights exactly as frameworks make them (`bench/corpus/README.md`); which are real and which "
      "are derived is said per file.")
    w("")

    # summary vs ZipNN
    w("## z4ai / ZipNN, same bytes, same run")
    w("")
    w("Size: ZipNN's compressed size / z4ai's (> 1 = z4ai smaller). Speed: z4ai MB/s / ZipNN MB/s, wall-clock "
      "median (CPU-time median in brackets), 1 thread unless stated. z4ai tier `default` unless stated.")
    w("")
    ncpu = host.get("logical_cpus") or 2
    w(f"| file | dtype | z4ai ratio | ZipNN ratio | size | compress | decompress | compress, {ncpu} thr | "
      f"decompress, {ncpu} thr | fast: size / decompress | max: size / decompress |")
    w("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")

    def q(a, b, key):
        try:
            return a[key] / b[key]
        except (TypeError, ZeroDivisionError, KeyError):
            return None

    for fm in meta["files"]:
        f = fm["path"]
        z, zp = R.get(f, "z4ai", "default", 1), R.get(f, "zipnn", "huffman-auto", 1)
        z2, zp2 = R.get(f, "z4ai", "default", ncpu), R.get(f, "zipnn", "huffman-auto", ncpu)
        zf, zm = R.get(f, "z4ai", "fast", 1), R.get(f, "z4ai", "max", 1)
        if not z:
            continue
        if not zp:
            err = next((r["error"] for r in R.for_file(f) if r["codec"] == "zipnn" and r["error"]), "no ZipNN row")
            w(f"| {Path(f).name} | {z['dtype']} | {z['ratio']:.4f} | ZipNN missing: {err[:120]} | | | | | | | |")
            continue

        def sp(a, b, key, cpu_key=None):
            v = q(a, b, key) if a and b else None
            if v is None:
                return "–"
            s = f"{v:.2f}×"
            if cpu_key:
                c = q(a, b, cpu_key)
                if c:
                    s += f" ({c:.2f}×)"
            return s

        def tier_cell(t):
            return f"{t['ratio'] / zp['ratio']:.3f}× / {sp(t, zp, 'd')}" if t else "–"

        w(f"| {Path(f).name} | {z['dtype']} | {z['ratio']:.4f} | {zp['ratio']:.4f} | {z['ratio'] / zp['ratio']:.3f}× | "
          f"{sp(z, zp, 'c', 'c_cpu')} | {sp(z, zp, 'd', 'd_cpu')} | {sp(z2, zp2, 'c')} | {sp(z2, zp2, 'd')} | "
          f"{tier_cell(zf)} | {tier_cell(zm)} |")
    for p in meta.get("pairs", []):
        f, ref = p["path"], p["ref"]
        zd, zpd = R.get(f, "z4ai", "default+delta", 1, ref), R.get(f, "zipnn", "huffman-auto+delta-xor", 1, ref)
        if zd and zpd:
            w(f"| {Path(f).name} **delta** vs {Path(ref).name} | {zd['dtype']} | {zd['ratio']:.4f} | {zpd['ratio']:.4f} | "
              f"{zd['ratio'] / zpd['ratio']:.3f}× | {sp(zd, zpd, 'c', 'c_cpu')} | {sp(zd, zpd, 'd', 'd_cpu')} | | | | |")
    w("")

    # targets
    w("## Targets (from issues 5, 7 and 8) against this run")
    w("")
    w("Computed from the rows below by `bench/report.py`; a target is **MISSED** when any file misses it, and the "
      "measured column gives the worst file and by how much. Speed targets use wall-clock medians, so on this "
      "loaded machine they are indicative only (the CPU-time columns help judge them).")
    w("")
    w("| issue | target | measured | status |")
    w("|--:|---|---|---|")
    for issue, target, measured, status, note in targets(R, meta, bounds, stream):
        w(f"| {issue} | {target} | {measured}{' — ' + note if note else ''} | {status} |")
    w("")

    def file_section(f, group):
        rs = [r for r in R.for_file(f, "")]
        if not rs:
            return
        e = index.get(f) or {}
        b = bounds.get(f)
        plane, bb = bound_of(b)
        kind = e.get("kind", "?")
        w(f"### {Path(f).name}")
        w("")
        size = next((r["bytes"] for r in rs if r.get("bytes")), 0)
        w(f"`{f}` — {kind}, {rs[0].get('dtype')}, {mb(size)}. {describe(index, f)}")
        w("")
        if bb:
            w(f"Exponent plane ({plane}): H0 {bb['H0']:.3f} bits, H1 {bb['H1']:.3f}, per-64 KiB-chunk H0 "
              f"{bb['H0_chunk64k']:.3f} → dense bounds **{bb['ratio_H0']:.4f}x** (H0), {bb['ratio_H1']:.4f}x (H1), "
              f"{bb['ratio_H0_chunk64k']:.4f}x (chunked H0); whole-value order-0 bound {b.get('ratio_value') or 0:.3f}x "
              f"({b.get('distinct_values')} distinct values, {100 * (b.get('zero_fraction') or 0):.1f}% zeros).")
            w("")
        w(row_table(rs, bb["ratio_H0"] if bb else None))
        w("")

    w("## Dense weights")
    w("")
    for fm in meta["files"]:
        if fm["group"] == "dense":
            file_section(fm["path"], "dense")
    w("## Structure the entropy bound misses (upcast, quantized, pruned)")
    w("")
    w("For these files the exponent-only bound does not hold (their mantissas are not random); the "
      "whole-value order-0 bound is the meaningful one, and per-row/per-group structure can beat even that.")
    w("")
    for fm in meta["files"]:
        if fm["group"] == "structured":
            file_section(fm["path"], "structured")

    w("## Checkpoint deltas")
    w("")
    w("Delta rows compress the newer checkpoint against the older one as a reference (z4ai: "
      "`z4ai_cctx_ref_reference`; zstd: `--patch-from`-style raw prefix with long mode; ZipNN: "
      "`delta_compressed_type=\"byte\"` XOR). Plain rows of the same file are shown for comparison.")
    w("")
    for p in meta.get("pairs", []):
        f, ref = p["path"], p["ref"]
        rs = [r for r in R.for_file(f) if (r.get("ref") or "") in ("", ref)]
        if not rs:
            continue
        w(f"### {Path(f).name} vs {Path(ref).name}")
        w("")
        w(f"{p['description']}. `{f}` against `{ref}`.")
        w("")
        w(row_table(rs))
        w("")

    w("## Streaming memory")
    w("")
    if stream:
        w(f"{stream['bytes'] / 2**30:.2f} GiB of distinct bf16 data (the MiniLM bf16 weights repeated, low mantissa "
          f"bits XORed per pass so no pass is a duplicate) piped through `z4ai compress --effort {stream['effort']} - -c "
          f"| z4ai decompress - -c`, threads = all cores: ratio {stream.get('ratio')}, {stream['seconds']} s, "
          f"peak RSS compress **{stream['compress_peak_rss_MB']:.0f} MiB**, decompress "
          f"**{stream['decompress_peak_rss_MB']:.0f} MiB**; SHA-256 in == out: {stream['sha256_in'] == stream['sha256_out']}.")
    else:
        w("Not measured in this set (`bench/run.sh --full` does it).")
    w("")

    w("## Kernels (Google Benchmark, `build-release/bench/z4ai_micro_bench`)")
    w("")
    if micro:
        ctx = micro.get("context", {})
        inp = ctx.get("input", "?").replace(str(Path(meta["corpus"])) + "/", "corpus ")
        w(f"Input: {inp} ({fnum(int(ctx.get('input_bytes', 0)) / 2**20, 0)} MiB as fp32; bf16 half "
          f"that). Throughput = decoded bytes per CPU second (Google Benchmark's default), so it is less affected by "
          f"load than wall-clock. Backends are enumerated by id: a newly added backend appears here without edits.")
        w("")
        w("| kernel | GB/s | ratio |")
        w("|---|--:|--:|")
        for bm in micro.get("benchmarks", []):
            if bm.get("run_type") == "aggregate":
                continue
            if bm.get("error_occurred"):
                w(f"| {bm['name']} | error: {bm.get('error_message', '')} | |")
                continue
            bps = bm.get("bytes_per_second")
            r = bm.get("ratio")
            w(f"| {bm['name']} | {bps / 1e9:.2f} | {'' if r is None else f'{r:.4f}'} |")
    else:
        w("Not run.")
    w("")

    # errors
    errs = [r for r in rows if r["error"]]
    failed = [c for c in meta.get("commands", []) if c["rc"]]
    w("## Errors, failures and missing inputs")
    w("")
    if not errs and not failed and not meta.get("missing") and not meta.get("skipped"):
        w("None: every row round-tripped and every step exited 0.")
    for c in failed:
        w(f"- step `{c['what']}` exited {c['rc']}: {c.get('stderr_tail', '')[-300:]}")
    for r in errs:
        w(f"- {CODEC_LABEL.get(r['codec'], r['codec'])} {r['variant']} t{r['threads']} on `{r['file']}`: {r['error'][:400]}")
    for m in meta.get("missing", []):
        w(f"- corpus file missing, not measured: `{m}`")
    for m in meta.get("skipped", []):
        w(f"- skipped, not measured: {m}")
    w("")

    w("## Method")
    w("")
    w(f"- One process per row: `z4ai bench` forks a child per (codec, variant, threads) row; the competitor harness "
      f"(`bench/competitors/run_all.py`) starts one Python worker per row. A codec that leaks (ZipNN does) or "
      f"crashes cannot disturb the next row, and peak RSS is per row.")
    w(f"- Timing: one warm-up compress + decompress, then {meta['runs']} timed calls each way; the tables give the "
      "**median**. † marks rows whose compression runs at ~1 MB/s (zstd-19, brotli-11, z4ai max, on inputs "
      "> 1 MiB): their compression is timed once without a warm-up (\"timed calls\" = compress / decompress); "
      "their decompression is timed like every other row. MB = 10^6 bytes of the original data in both directions.")
    w("- glibc big-block reuse for every codec alike: " + ", ".join(f"`{k}={v}`" for k, v in meta["malloc_env"].items())
      + " (glibc caps the mmap threshold at 32 MiB, so `MALLOC_MMAP_MAX_=0` is what keeps 10–100 MB buffers "
        "on the heap): timed calls reuse pages faulted in the warm-up instead of paying fresh page faults.")
    w("- Inputs a codec writes into are copied before each call, outside the timed region (ZipNN rewrites its "
      "input in place); every row checks its round trip (z4ai bench: memcmp; competitors: SHA-256).")
    w("- Peak RSS: the whole process's high-water mark; in brackets the part above the RSS measured after loading "
      "the input (and reference) — output buffers, codec state. Python rows include the interpreter and imports "
      "(ZipNN imports torch) in the peak, not in the bracket. z4ai bench leaves its output buffers untouched "
      "until a codec writes them.")
    w("- Files are raw little-endian tensor bytes (the safetensors data sections, `bench/corpus`); dtype from the "
      "extension. The bounds are order-0 (H0), order-1 (H1) and per-64 KiB-chunk entropies of the exponent "
      "plane; \"% of H0 bound\" = ratio / (bits / (H0 + non-exponent bits)).")
    return "\n".join(L) + "\n"


# Sections other benchmarks write into the same document between these markers (e.g.
# bench/remote/remote_bench.py --doc): carried over when the rest is regenerated.
SEPARATE = re.compile(r"<!-- ([a-z0-9-]+):begin -->.*?<!-- \1:end -->\n?", re.S)


def keep_separate_sections(out: Path, text: str) -> str:
    old = out.read_text() if out.exists() else ""
    blocks = [m.group(0) for m in SEPARATE.finditer(old)]
    return text.rstrip("\n") + "\n\n" + "".join(blocks) if blocks else text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--out", default=str(REPO / "docs" / "BENCHMARKS.md"))
    ap.add_argument("--print-summary", action="store_true",
                    help="also print the z4ai/ZipNN and targets sections to stdout")
    args = ap.parse_args(argv)
    text = render(Path(args.results))
    text = keep_separate_sections(Path(args.out), text)
    Path(args.out).write_text(text)
    print(f"[report] wrote {args.out}", file=sys.stderr)
    if args.print_summary:
        a, b = text.find("## z4ai / ZipNN"), text.find("## Dense weights")
        print(text[a:b] if a >= 0 else text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
