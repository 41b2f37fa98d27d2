// codec_bench.cpp - Google Benchmark micro-benchmarks for z4ai's hot kernels, so
// speed work can be measured kernel by kernel: byte-plane split/merge, every
// entropy backend's encode/decode on a real-shaped exponent and mantissa plane,
// sparse split/merge, delta XOR/SUB, and whole frames through the C ABI.
//
// Input: bf16/fp32 values drawn from N(0, 0.02) with a fixed seed (a trained
// weight's exponent plane has ~2.6 bits of entropy; this one has about the same).
// Set Z4AI_MICRO_FILE=<raw .bf16/.f32 file> to use real weights instead (the
// first Z4AI_MICRO_BYTES bytes, default 4 MiB).
//
// Backends are enumerated by id (0..31): any id that backend_name() knows and
// encode_stream() accepts is measured, so backends added later appear here
// without editing this file. Throughput = input (decoded) bytes per second.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "entropy/backend.hpp"
#include "transform/delta.hpp"
#include "transform/planes.hpp"
#include "transform/sparse.hpp"
#include "util/buffer.hpp"
#include "util/status.hpp"
#include "z4ai.h"

namespace {

size_t input_bytes() {
    const char* s = std::getenv("Z4AI_MICRO_BYTES");
    size_t n = s ? std::strtoull(s, nullptr, 10) : 0;
    return n ? n & ~size_t(7) : size_t(4) << 20;
}

uint16_t bf16_rne(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return static_cast<uint16_t>((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}

// Returns fp32 words (width 4) and their bf16 cast (width 2) of the same values.
struct Inputs {
    std::vector<uint8_t> f32, bf16;
    std::string source;
};

const Inputs& inputs() {
    static Inputs in = [] {
        Inputs r;
        const size_t n = input_bytes() / 4;
        r.f32.resize(n * 4);
        const char* file = std::getenv("Z4AI_MICRO_FILE");
        bool loaded = false;
        if (file && *file) {
            std::ifstream f(file, std::ios::binary);
            std::string path(file);
            bool is_bf16 = path.size() > 5 && path.compare(path.size() - 5, 5, ".bf16") == 0;
            if (f && is_bf16) {  // widen bf16 to fp32 (exact)
                std::vector<uint16_t> h(n);
                f.read(reinterpret_cast<char*>(h.data()), static_cast<std::streamsize>(n * 2));
                if (static_cast<size_t>(f.gcount()) == n * 2) {
                    for (size_t i = 0; i < n; ++i) {
                        uint32_t u = uint32_t(h[i]) << 16;
                        std::memcpy(&r.f32[i * 4], &u, 4);
                    }
                    loaded = true;
                }
            } else if (f) {
                f.read(reinterpret_cast<char*>(r.f32.data()), static_cast<std::streamsize>(n * 4));
                loaded = static_cast<size_t>(f.gcount()) == n * 4;
            }
            if (!loaded)
                std::fprintf(stderr, "Z4AI_MICRO_FILE=%s: too short or unreadable, using synthetic\n", file);
        }
        if (loaded) {
            r.source = file;
        } else {
            std::mt19937_64 rng(42);
            std::normal_distribution<float> dist(0.0f, 0.02f);
            for (size_t i = 0; i < n; ++i) {
                float v = dist(rng);
                std::memcpy(&r.f32[i * 4], &v, 4);
            }
            r.source = "synthetic N(0,0.02)";
        }
        r.bf16.resize(n * 2);
        for (size_t i = 0; i < n; ++i) {
            float v;
            std::memcpy(&v, &r.f32[i * 4], 4);
            uint16_t h = bf16_rne(v);
            std::memcpy(&r.bf16[i * 2], &h, 2);
        }
        return r;
    }();
    return in;
}

const std::vector<uint8_t>& data_for(unsigned width) { return width == 4 ? inputs().f32 : inputs().bf16; }

void BM_SplitPlanes(benchmark::State& st, unsigned width) {
    const auto& in = data_for(width);
    const size_t n = in.size() / width;
    std::vector<uint8_t> out(in.size());
    uint8_t* planes[8];
    for (unsigned k = 0; k < width; ++k) planes[k] = out.data() + k * n;
    for (auto _ : st) {
        z4ai::split_planes(in.data(), n, width, true, planes);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(in.size()));
}

void BM_MergePlanes(benchmark::State& st, unsigned width) {
    const auto& in = data_for(width);
    const size_t n = in.size() / width;
    std::vector<uint8_t> split(in.size()), out(in.size());
    uint8_t* planes[8];
    const uint8_t* cplanes[8];
    for (unsigned k = 0; k < width; ++k) cplanes[k] = planes[k] = split.data() + k * n;
    z4ai::split_planes(in.data(), n, width, true, planes);
    for (auto _ : st) {
        z4ai::merge_planes(cplanes, n, width, true, out.data());
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    if (std::memcmp(out.data(), in.data(), in.size()) != 0) st.SkipWithError("merge(split(x)) != x");
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(in.size()));
}

// The rotated bf16 planes: plane 1 = exponent byte, plane 0 = mantissa + sign.
std::vector<uint8_t> bf16_plane(int which) {
    const auto& in = inputs().bf16;
    const size_t n = in.size() / 2;
    std::vector<uint8_t> split(in.size());
    uint8_t* planes[2] = {split.data(), split.data() + n};
    z4ai::split_planes(in.data(), n, 2, true, planes);
    return std::vector<uint8_t>(planes[which], planes[which] + n);
}

struct PlaneCase {
    const char* name;
    std::vector<uint8_t> bytes;
};

const std::vector<PlaneCase>& plane_cases() {
    static std::vector<PlaneCase> cases = {
        {"bf16_exponent", bf16_plane(1)},
        {"bf16_mantissa", bf16_plane(0)},
        {"constant", std::vector<uint8_t>(inputs().bf16.size() / 2, 0x3C)},
    };
    return cases;
}

// Encodes once (outside the loop) to learn whether the backend takes this input.
bool try_encode(z4ai::BackendId id, const std::vector<uint8_t>& in, z4ai::Buffer& out, std::string& why) {
    z4ai::EntropyWorkspace ws;
    z4ai::LzOptions opt;
    try {
        out.clear();
        z4ai::encode_stream(id, z4ai::Bytes(in.data(), in.size()), opt, ws, out);
        return true;
    } catch (const z4ai::Error& e) {
        why = e.message();
        return false;
    }
}

void BM_BackendEncode(benchmark::State& st, z4ai::BackendId id, const PlaneCase* pc) {
    z4ai::EntropyWorkspace ws;
    z4ai::LzOptions opt;
    z4ai::Buffer out;
    z4ai::Bytes in(pc->bytes.data(), pc->bytes.size());
    for (auto _ : st) {
        out.clear();
        z4ai::encode_stream(id, in, opt, ws, out);
        benchmark::DoNotOptimize(out.data());
    }
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(in.size()));
    st.counters["ratio"] = double(in.size()) / double(out.size());
}

void BM_BackendDecode(benchmark::State& st, z4ai::BackendId id, const PlaneCase* pc) {
    z4ai::EntropyWorkspace ws;
    z4ai::LzOptions opt;
    z4ai::Buffer enc;
    z4ai::encode_stream(id, z4ai::Bytes(pc->bytes.data(), pc->bytes.size()), opt, ws, enc);
    std::vector<uint8_t> out(pc->bytes.size());
    for (auto _ : st) {
        z4ai::decode_stream(static_cast<uint8_t>(id), z4ai::Bytes(enc.data(), enc.size()), out.data(),
                            out.size(), ws);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    if (out != pc->bytes) st.SkipWithError("decode(encode(x)) != x");
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(out.size()));
}

// Half the elements zeroed (every other one): the pruned-weights path.
std::vector<uint8_t> half_zero_bf16() {
    std::vector<uint8_t> v = inputs().bf16;
    for (size_t i = 0; i < v.size() / 2; i += 2) v[i * 2] = v[i * 2 + 1] = 0;
    return v;
}

void BM_SparseSplit(benchmark::State& st) {
    static const std::vector<uint8_t> in = half_zero_bf16();
    const size_t n = in.size() / 2;
    std::vector<uint8_t> bitmap(z4ai::sparse_bitmap_size(n)), values(in.size());
    for (auto _ : st) {
        benchmark::DoNotOptimize(z4ai::sparse_split(in.data(), n, 2, bitmap.data(), values.data()));
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(in.size()));
}

void BM_SparseMerge(benchmark::State& st) {
    static const std::vector<uint8_t> in = half_zero_bf16();
    const size_t n = in.size() / 2;
    std::vector<uint8_t> bitmap(z4ai::sparse_bitmap_size(n)), values(in.size()), out(in.size());
    z4ai::sparse_split(in.data(), n, 2, bitmap.data(), values.data());
    for (auto _ : st) {
        z4ai::sparse_merge(bitmap.data(), values.data(), n, 2, out.data());
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    if (out != in) st.SkipWithError("sparse merge(split(x)) != x");
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(in.size()));
}

// A "next checkpoint": every 4th element nudged by one ulp.
std::vector<uint8_t> nudged(const std::vector<uint8_t>& ref, unsigned width) {
    std::vector<uint8_t> v = ref;
    for (size_t i = 0; i < v.size(); i += 4 * width) v[i] ^= 1;
    return v;
}

void BM_DeltaXor(benchmark::State& st) {
    const auto& ref = inputs().bf16;
    static const std::vector<uint8_t> in = nudged(inputs().bf16, 2);
    std::vector<uint8_t> out(in.size());
    for (auto _ : st) {
        z4ai::delta_xor(in.data(), ref.data(), in.size(), out.data());
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(in.size()));
}

void BM_DeltaSub(benchmark::State& st, bool decode) {
    const auto& ref = inputs().bf16;
    static const std::vector<uint8_t> in = nudged(inputs().bf16, 2);
    std::vector<uint8_t> enc(in.size()), out(in.size());
    z4ai::delta_sub_encode(in.data(), ref.data(), in.size(), 2, enc.data());
    for (auto _ : st) {
        if (decode)
            z4ai::delta_sub_decode(enc.data(), ref.data(), in.size(), 2, out.data());
        else
            z4ai::delta_sub_encode(in.data(), ref.data(), in.size(), 2, out.data());
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    if (decode && out != in) st.SkipWithError("sub decode(encode(x)) != x");
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(in.size()));
}

// Whole frames through the public C ABI, one thread.
void BM_Frame(benchmark::State& st, int32_t dtype, int effort, bool decode) {
    const auto& in = dtype == Z4AI_DTYPE_FP32 ? inputs().f32 : inputs().bf16;
    z4ai_cctx* c = z4ai_cctx_create();
    z4ai_cctx_set_param(c, Z4AI_C_DTYPE, dtype);
    z4ai_cctx_set_param(c, Z4AI_C_EFFORT, effort);
    z4ai_cctx_set_param(c, Z4AI_C_THREADS, 1);
    std::vector<uint8_t> frame(z4ai_compress_bound(in.size())), out(in.size());
    size_t fsize = 0, got = 0;
    if (z4ai_compress(c, frame.data(), frame.size(), in.data(), in.size(), &fsize) != Z4AI_OK) {
        st.SkipWithError(z4ai_cctx_last_error(c));
        z4ai_cctx_free(c);
        return;
    }
    z4ai_dctx* d = z4ai_dctx_create();
    z4ai_dctx_set_param(d, Z4AI_D_THREADS, 1);
    for (auto _ : st) {
        if (decode)
            z4ai_decompress(d, out.data(), out.size(), frame.data(), fsize, &got);
        else
            z4ai_compress(c, frame.data(), frame.size(), in.data(), in.size(), &fsize);
        benchmark::DoNotOptimize(frame.data());
        benchmark::DoNotOptimize(out.data());
    }
    if (decode && (got != in.size() || out != in)) st.SkipWithError("frame round trip failed");
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(in.size()));
    st.counters["ratio"] = double(in.size()) / double(fsize);
    z4ai_cctx_free(c);
    z4ai_dctx_free(d);
}

void register_all() {
    for (unsigned w : {2u, 4u}) {
        std::string t = w == 2 ? "bf16" : "fp32";
        benchmark::RegisterBenchmark(("planes/split/" + t).c_str(), BM_SplitPlanes, w);
        benchmark::RegisterBenchmark(("planes/merge/" + t).c_str(), BM_MergePlanes, w);
    }
    for (unsigned id = 0; id < 32; ++id) {
        std::string name = z4ai::backend_name(static_cast<uint8_t>(id));
        if (name == "unknown") continue;
        for (const PlaneCase& pc : plane_cases()) {
            z4ai::Buffer probe;
            std::string why;
            auto bid = static_cast<z4ai::BackendId>(id);
            if (!try_encode(bid, pc.bytes, probe, why)) continue;  // not applicable / not built
            benchmark::RegisterBenchmark(("backend/" + name + "/encode/" + pc.name).c_str(), BM_BackendEncode,
                                         bid, &pc);
            benchmark::RegisterBenchmark(("backend/" + name + "/decode/" + pc.name).c_str(), BM_BackendDecode,
                                         bid, &pc);
        }
    }
    benchmark::RegisterBenchmark("sparse/split/bf16_half_zero", BM_SparseSplit);
    benchmark::RegisterBenchmark("sparse/merge/bf16_half_zero", BM_SparseMerge);
    benchmark::RegisterBenchmark("delta/xor/bf16", BM_DeltaXor);
    benchmark::RegisterBenchmark("delta/sub_encode/bf16", BM_DeltaSub, false);
    benchmark::RegisterBenchmark("delta/sub_decode/bf16", BM_DeltaSub, true);
    const char* tiers[] = {"fast", "default", "max"};
    for (int32_t dt : {Z4AI_DTYPE_BF16, Z4AI_DTYPE_FP32}) {
        std::string t = dt == Z4AI_DTYPE_BF16 ? "bf16" : "fp32";
        for (int e : {Z4AI_EFFORT_FAST, Z4AI_EFFORT_DEFAULT, Z4AI_EFFORT_MAX}) {
            auto* b1 = benchmark::RegisterBenchmark(("frame/compress/" + t + "/" + tiers[e]).c_str(),
                                                    BM_Frame, dt, e, false);
            auto* b2 = benchmark::RegisterBenchmark(("frame/decompress/" + t + "/" + tiers[e]).c_str(),
                                                    BM_Frame, dt, e, true);
            if (e == Z4AI_EFFORT_MAX) b1->Iterations(1);  // brotli-class: ~seconds per call
            (void)b2;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("input", inputs().source);
    benchmark::AddCustomContext("input_bytes", std::to_string(inputs().f32.size()));
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
