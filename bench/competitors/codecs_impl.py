"""Competitor codec adapters for the z4ai benchmark harness.

Each adapter exposes
    name, version(), variants(dtype, threads) -> list[str], threads_supported -> list[int]
    make(variant, dtype, threads, ref=None) -> Codec with .compress(bytes)->bytes-like and
    .decompress(bytes)->bytes-like, plus optional attributes:
        mutates_input (checked by the worker), needs_fresh_input (worker hands a new copy per call)
Imports happen lazily so that one broken package cannot take the others down.

APIs used (introspected from the installed packages):
  zipnn 0.5.4  ZipNN(input_format="byte", bytearray_dtype=..., threads=...).compress(data,
               delta_second_data=ref) / .decompress(comp, delta_second_data=ref);
               delta mode: ZipNN(..., delta_compressed_type="byte") XORs data with ref, then
               compresses (zipnn.py: compress()).
  openzl 0.3.0 openzl.ext: Compressor, CCtx, DCtx, Input(Type.Numeric, array), graphs.*, nodes.*
               (BFloat16Deconstruct / Float16Deconstruct / Float32Deconstruct -> (sign+fraction
               struct, exponent serial); TransposeSplit; graphs.Entropy / Huffman / Fse / Zstd /
               FieldLz / Store / BruteForce / Compress).
  pcodec 1.1.0 pcodec.standalone.simple_compress(np_array, ChunkConfig(compression_level=L)) /
               simple_decompress(bytes). No bf16 dtype in numpy: bf16 is given as uint16 bit
               patterns (integer mode).
  blosc2 4.14  blosc2.compress2(buf, cparams=CParams(codec, clevel, filters=[...], typesize,
               nthreads)) / decompress2(buf, dparams=DParams(nthreads)).
"""
from __future__ import annotations

import numpy as np

NP_WORD = {"bf16": np.uint16, "fp16": np.float16, "fp32": np.float32}
ITEMSIZE = {"bf16": 2, "fp16": 2, "fp32": 4}


class Adapter:
    name = "?"
    threads_supported = [1]
    supports_delta = False

    def version(self) -> str:
        return "?"

    def variants(self, dtype: str) -> list[str]:
        raise NotImplementedError

    def make(self, variant: str, dtype: str, threads: int, ref: bytes | None = None):
        raise NotImplementedError


# ---------------------------------------------------------------------------- ZipNN
class _ZipNNCodec:
    needs_fresh_input = True  # ZipNN rewrites its input buffer in place (even a `bytes` object)

    def __init__(self, dtype, threads, ref, method):
        from zipnn import ZipNN
        self.ref = ref
        kw = dict(input_format="byte", bytearray_dtype={"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}[dtype],
                  threads=threads, method=method)
        if ref is not None:
            kw["delta_compressed_type"] = "byte"
        self.z = ZipNN(**kw)

    def compress(self, data):
        if self.ref is not None:
            return self.z.compress(data, delta_second_data=self.ref)
        return self.z.compress(data)

    def decompress(self, comp):
        if self.ref is not None:
            return self.z.decompress(comp, delta_second_data=self.ref)
        return self.z.decompress(comp)


class ZipNNAdapter(Adapter):
    name = "zipnn"
    threads_supported = [1, 2]
    supports_delta = True

    def version(self):
        import importlib.metadata as md
        return md.version("zipnn")

    def variants(self, dtype):
        return ["huffman-auto"]  # ZipNN's default (method AUTO: byte grouping + Huffman/zstd per chunk)

    def make(self, variant, dtype, threads, ref=None):
        return _ZipNNCodec(dtype, threads, ref, "AUTO")


# ---------------------------------------------------------------------------- OpenZL
class _OpenZLCodec:
    needs_fresh_input = False

    def __init__(self, build_graph, input_type, dtype):
        import openzl.ext as zl
        self.zl = zl
        c = zl.Compressor()
        c.select_starting_graph(build_graph(zl, c))
        self.compressor = c
        self.cctx = zl.CCtx()
        # sticky: keep compressor + parameters across compress() calls (else the 2nd call fails
        # with "Compression parameter invalid: Check `!(CCTX_isGraphSet(cctx))' failed")
        self.cctx.set_parameter(zl.CParam.StickyParameters, 1)
        self.cctx.ref_compressor(c)
        self.cctx.set_parameter(zl.CParam.FormatVersion, zl.MAX_FORMAT_VERSION)
        self.dctx = zl.DCtx()
        self.input_type = input_type
        self.word = np.uint8 if input_type == "serial" else {"bf16": np.uint16, "fp16": np.uint16, "fp32": np.uint32}[dtype]

    def compress(self, data):
        zl = self.zl
        arr = np.frombuffer(data, dtype=self.word)
        t = zl.Type.Serial if self.input_type == "serial" else zl.Type.Numeric
        return self.cctx.compress([zl.Input(t, arr)])

    def decompress(self, comp):
        outs = self.dctx.decompress(comp)
        return outs[0].content.as_bytes()


def _bruteforce(zl, c):
    g = zl.graphs
    return g.BruteForce([g.Store()(c), g.Huffman()(c), g.Fse()(c), g.Entropy()(c), g.Zstd()(c), g.FieldLz()(c)])(c)


class OpenZLAdapter(Adapter):
    name = "openzl"

    def version(self):
        import importlib.metadata as md
        return md.version("openzl")

    @staticmethod
    def _node(zl, dtype):
        return {"bf16": zl.nodes.BFloat16Deconstruct, "fp16": zl.nodes.Float16Deconstruct,
                "fp32": zl.nodes.Float32Deconstruct}[dtype]

    def variants(self, dtype):
        v = ["deconstruct+entropy", "deconstruct+bruteforce-lanes", "compress-generic", "zstd3-serial"]
        if dtype in ("bf16", "fp32"):
            v.insert(0, "deconstruct+huffman")
        return v

    def make(self, variant, dtype, threads, ref=None):
        def build(zl, c):
            g = zl.graphs
            node = self._node(zl, dtype)
            if variant == "deconstruct+huffman":  # sign+fraction stored, exponent Huffman
                return node()(c, g.Store()(c), g.Huffman()(c))
            if variant == "deconstruct+entropy":  # sign+fraction split into byte lanes, all lanes Entropy
                return node()(c, zl.nodes.TransposeSplit()(c, g.Entropy()(c)), g.Entropy()(c))
            if variant == "deconstruct+bruteforce-lanes":  # each lane tries Store/Huffman/FSE/Entropy/Zstd/FieldLz
                return node()(c, zl.nodes.TransposeSplit()(c, _bruteforce(zl, c)), _bruteforce(zl, c))
            if variant == "compress-generic":
                return g.Compress()(c)
            if variant == "zstd3-serial":
                return g.Zstd(compression_level=3)(c)
            raise ValueError(variant)
        itype = "serial" if variant in ("compress-generic", "zstd3-serial") else "numeric"
        return _OpenZLCodec(build, itype, dtype)


# ---------------------------------------------------------------------------- pcodec
class _PcoCodec:
    needs_fresh_input = False

    def __init__(self, level, dtype):
        from pcodec import ChunkConfig, standalone
        self.sa = standalone
        self.cfg = ChunkConfig(compression_level=level)
        self.word = NP_WORD[dtype]

    def compress(self, data):
        return self.sa.simple_compress(np.frombuffer(data, dtype=self.word), self.cfg)

    def decompress(self, comp):
        return self.sa.simple_decompress(comp)  # numpy array; the worker compares its bytes


class PcodecAdapter(Adapter):
    name = "pcodec"

    def version(self):
        import importlib.metadata as md
        return md.version("pcodec")

    def variants(self, dtype):
        return ["level8", "level12"]

    def make(self, variant, dtype, threads, ref=None):
        return _PcoCodec(int(variant.replace("level", "")), dtype)


# ---------------------------------------------------------------------------- blosc2
class _BloscCodec:
    needs_fresh_input = False

    def __init__(self, codec, filt, clevel, dtype, threads):
        import blosc2
        self.b = blosc2
        self.cp = blosc2.CParams(codec=getattr(blosc2.Codec, codec), clevel=clevel,
                                 filters=[getattr(blosc2.Filter, filt)], typesize=ITEMSIZE[dtype], nthreads=threads)
        self.dp = blosc2.DParams(nthreads=threads)

    def compress(self, data):
        return self.b.compress2(data, cparams=self.cp)

    def decompress(self, comp):
        return self.b.decompress2(comp, dparams=self.dp)


class Blosc2Adapter(Adapter):
    name = "blosc2"
    threads_supported = [1, 2]

    def version(self):
        import blosc2
        return f"{blosc2.__version__} (c-blosc2 {blosc2.VERSION_STRING})"

    def variants(self, dtype):
        return [f"{c}-{f}-clevel{l}" for c in ("ZSTD", "LZ4") for f in ("SHUFFLE", "BITSHUFFLE") for l in (5,)]

    def make(self, variant, dtype, threads, ref=None):
        codec, filt, cl = variant.split("-")
        return _BloscCodec(codec, filt, int(cl.replace("clevel", "")), dtype, threads)


ADAPTERS = {a.name: a for a in (ZipNNAdapter(), OpenZLAdapter(), PcodecAdapter(), Blosc2Adapter())}
