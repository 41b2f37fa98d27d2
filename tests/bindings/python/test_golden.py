"""Golden vectors through the Python binding (issue 10, format stability).

Walks tests/golden/manifest.json: every frame decodes to its recorded SHA-256 (a
delta frame with its reference attached); every .zstn / .z4dm restores to the
recorded .safetensors bytes and every tensor, read alone through ZstnReader, to its
own SHA-256; a directory archive (the CLI's `DIR.z4ai/`) is restored file by file
from its z4ai-manifest.json through the binding. Encoder determinism: each vector's input (the decoded bytes) compressed
with the vector's parameters gives the same bytes at 1 and 2 threads, one-shot and
streamed, and the same bytes as the z4ai CLI (-T 1 and -T 2) when the CLI is
available (bundled in the wheel, or Z4AI_CLI).
"""
import hashlib
import json
import os
import subprocess

import pytest

import z4ai
import z4ai.model_delta
import z4ai.safetensors

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "golden")
MANIFEST = json.load(open(os.path.join(GOLDEN, "manifest.json")))
FRAMES = sorted(n for n, e in MANIFEST.items() if e.get("kind", "frame") == "frame")
CONTAINERS = sorted(n for n, e in MANIFEST.items() if e.get("kind") in ("zstn", "z4dm"))
DIRS = sorted(n for n, e in MANIFEST.items() if e.get("kind") == "dir")


def _read(name):
    with open(os.path.join(GOLDEN, "frames", name), "rb") as f:
        return f.read()


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def _kwargs(args):
    """The CLI arguments recorded in the manifest as compress() keyword arguments."""
    kw, it = {}, iter(a for a in args if not a.startswith("("))
    for a in it:
        if a == "--dtype":
            kw["dtype"] = next(it)
        elif a == "--effort":
            kw["effort"] = next(it)
        elif a == "--chunk-size":
            kw["chunk_size"] = int(next(it))
        elif a == "--shape":
            kw["shape"] = [int(d) for d in next(it).split(",")]
        elif a == "--no-checksum":
            kw["checksum"] = False
        elif a == "--reference":
            next(it)  # the entry's "reference" names the file
        else:
            raise AssertionError(f"unexpected recorded argument {a}")
    return kw


def _cli():
    try:
        from z4ai._cli import cli_path

        return cli_path()
    except FileNotFoundError:
        return None


def test_manifest_covers_every_kind():
    kinds = {MANIFEST[n].get("kind", "frame") for n in MANIFEST}
    assert kinds == {"frame", "zstn", "z4dm", "dir"}
    assert any(MANIFEST[n]["reference"] for n in FRAMES)
    for name in os.listdir(os.path.join(GOLDEN, "frames")):
        assert name in MANIFEST or name in ("reference.bf16", "base.safetensors"), name


@pytest.mark.parametrize("name", FRAMES)
def test_golden_frame_decodes(name):
    entry, frame = MANIFEST[name], _read(name)
    if entry["reference"]:
        out = z4ai.decompress_delta(frame, _read(entry["reference"]))
    else:
        out = z4ai.decompress(frame)
    assert len(out) == entry["size"] and _sha(out) == entry["sha256"]


@pytest.mark.parametrize("name", CONTAINERS)
def test_golden_container_restores(name):
    entry, blob = MANIFEST[name], _read(name)
    if entry["kind"] == "z4dm":
        base = _read(entry["reference"])
        restored = z4ai.model_delta.decompress(blob, base)
        reader = z4ai.safetensors.ZstnReader(blob, base=base)
    else:
        restored = z4ai.safetensors.decompress(blob)
        reader = z4ai.safetensors.ZstnReader(blob)
    assert len(restored) == entry["size"] and _sha(restored) == entry["sha256"]
    with reader:
        assert sorted(reader.names()) == sorted(entry["tensors"])
        for tensor, t in entry["tensors"].items():
            data = reader.read(tensor)
            assert len(data) == t["size"] and _sha(data) == t["sha256"], tensor
            assert reader.info(tensor).method == t["method"], tensor
    # The same object through a read-at source (a file object; the other bindings read it
    # through their own: Java channel, Go io.ReaderAt, C# Stream, against the same SHA-256s).
    base = _read(entry["reference"]) if entry["kind"] == "z4dm" else None
    with open(os.path.join(GOLDEN, "frames", name), "rb") as f, z4ai.safetensors.ZstnReader(f, base=base) as r:
        for tensor, t in entry["tensors"].items():
            assert _sha(r.read(tensor)) == t["sha256"], tensor


def restore_dir(name, tmp_path):
    """A directory archive (the CLI writes it) restored through the binding's
    z4ai.archive (the C library's one implementation): member by member and whole."""
    import z4ai.archive

    out = {}
    with z4ai.archive.Archive(os.path.join(GOLDEN, "frames", name)) as a:
        for m in a.members():
            if m.kind != "directory":
                out[m.path] = a.read(m.path)
        a.restore(tmp_path / "restored")
    for p, data in out.items():
        assert open(tmp_path / "restored" / p, "rb").read() == data, p
    for d in MANIFEST[name].get("directories", []):
        assert os.path.isdir(tmp_path / "restored" / d), d
    return out


@pytest.mark.parametrize("name", DIRS)
def test_golden_directory_restores(name, tmp_path):
    entry = MANIFEST[name]
    got = {p: _sha(b) for p, b in restore_dir(name, tmp_path).items()}
    assert got == {p: f["sha256"] for p, f in entry["files"].items()}


def _cli_frame(tmp_path, data, entry, threads):
    cli = _cli()
    if cli is None:
        return None
    container = entry.get("kind") in ("zstn", "z4dm")  # the CLI picks the kind by content
    src = tmp_path / (f"in.T{threads}" + (".safetensors" if container else ""))
    out = tmp_path / f"out.T{threads}"
    src.write_bytes(data)
    args = [a for a in entry["args"] if not a.startswith("(")]
    cmd = [cli, "compress", "-q", "-f", str(src), "-o", str(out), "-T", str(threads)]
    if entry["reference"]:
        cmd += ["--reference", os.path.join(GOLDEN, "frames", entry["reference"])]
    i = 0
    while i < len(args):
        if args[i] == "--reference":  # replaced by the committed file above
            i += 2
        else:
            cmd.append(args[i])
            i += 1
    subprocess.run(cmd, check=True, capture_output=True)
    return out.read_bytes()


def _has_dup_blocks(frame):
    return any(b["type"] == "dup" for b in z4ai.describe(frame)["blocks"])


@pytest.mark.parametrize("name", FRAMES)
def test_encoder_determinism_frames(name, tmp_path):
    """One-shot and streamed (size pledged, as the CLI does) frames are the same at 1
    and 2 threads; the CLI's frame (it streams) equals the streamed one; one-shot equals
    streamed except that only one-shot dedups whole repeated chunks (DUP blocks,
    docs/STRUCTURE.md), and then it must be smaller."""
    entry, frame = MANIFEST[name], _read(name)
    kw = _kwargs(entry["args"])
    ref = _read(entry["reference"]) if entry["reference"] else None
    if ref is not None:
        data = z4ai.decompress_delta(frame, ref)
        one_shot = [z4ai.compress_delta(data, ref, threads=t, **kw) for t in (1, 2)]
        assert z4ai.decompress_delta(one_shot[0], ref) == data
    else:
        data = z4ai.decompress(frame)
        one_shot = [z4ai.compress(data, threads=t, **kw) for t in (1, 2)]
        assert z4ai.decompress(one_shot[0]) == data
    assert one_shot[0] == one_shot[1], "one-shot frame depends on the thread count"
    streamed = []
    for t in (1, 2):
        with z4ai.Compressor(threads=t, size=len(data), reference=ref, **kw) as c:
            streamed.append(c.compress(data[:5000]) + c.compress(data[5000:]) + c.finish())
    assert streamed[0] == streamed[1], "streamed frame depends on the thread count"
    if _has_dup_blocks(one_shot[0]):
        assert len(one_shot[0]) < len(streamed[0])
    else:
        assert one_shot[0] == streamed[0], "one-shot and streamed frames differ"
    for t in (1, 2):
        cli = _cli_frame(tmp_path, data, entry, t)
        if cli is not None:
            assert cli == streamed[0], f"CLI -T {t} frame differs from the Python frame"


@pytest.mark.parametrize("name", CONTAINERS)
def test_encoder_determinism_containers(name, tmp_path):
    entry, blob = MANIFEST[name], _read(name)
    kw = _kwargs(entry["args"])
    kw = {"effort": kw.get("effort", "default"), "chunk_size": kw["chunk_size"]}
    if entry["kind"] == "z4dm":
        base = _read(entry["reference"])
        data = z4ai.model_delta.decompress(blob, base)
        mine = [z4ai.model_delta.compress(data, base, threads=t, **kw) for t in (1, 2)]
    else:
        data = z4ai.safetensors.decompress(blob)
        mine = [z4ai.safetensors.compress(data, threads=t, **kw) for t in (1, 2)]
    assert mine[0] == mine[1], "container depends on the thread count"
    for t in (1, 2):
        cli = _cli_frame(tmp_path, data, entry, t)
        if cli is not None:
            assert cli == mine[0], f"CLI -T {t} container differs from the Python one"
