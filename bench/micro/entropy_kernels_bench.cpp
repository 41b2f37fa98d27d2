// kernels_bench.cpp - Google Benchmark profile of the decode/encode kernels on
// a real weights file: where a chunk's time goes (Huffman decode, plane merge,
// checksum, table build), per SIMD level.
//
// usage: Z4AI_BENCH_FILE=minilm-l6-v2.bf16.bf16 Z4AI_BENCH_WIDTH=2 z4ai_kernels_bench
// Each kernel runs on 1 MiB chunks of the file (the default chunk size), as the
// codec does; throughput is reported in bytes of the chunk (or plane) processed.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "entropy/fastx/fastx.hpp"
#include "entropy/huffman/huffman.hpp"
#include "simd/cpu.hpp"
#include "transform/planes.hpp"
#include "util/hash.hpp"

using namespace z4ai;

namespace {

struct Data {
    std::vector<uint8_t> file;
    unsigned width = 2;
    size_t chunk = size_t(1) << 20;
    std::vector<uint8_t> planes;  // split chunk 0.. of the first 1 MiB
    std::vector<uint8_t> top;     // top plane (exponent) of the whole file
    Buffer top_encoded;
    Buffer top_fastx;
};

Data& data() {
    static Data d = [] {
        Data d;
        const char* path = std::getenv("Z4AI_BENCH_FILE");
        if (const char* w = std::getenv("Z4AI_BENCH_WIDTH")) d.width = static_cast<unsigned>(std::atoi(w));
        if (path) {
            FILE* f = std::fopen(path, "rb");
            if (f) {
                std::fseek(f, 0, SEEK_END);
                d.file.resize(static_cast<size_t>(std::ftell(f)));
                std::fseek(f, 0, SEEK_SET);
                if (std::fread(d.file.data(), 1, d.file.size(), f) != d.file.size()) d.file.clear();
                std::fclose(f);
            }
        }
        if (d.file.size() < d.chunk) {
            std::fprintf(stderr, "set Z4AI_BENCH_FILE to a weights file of at least 1 MiB\n");
            std::exit(1);
        }
        const size_t elements = d.file.size() / d.width;
        std::vector<uint8_t> all(elements * d.width);
        uint8_t* p[8];
        for (unsigned k = 0; k < d.width; ++k) p[k] = all.data() + k * elements;
        split_planes(d.file.data(), elements, d.width, true, p);
        d.top.assign(p[d.width - 1], p[d.width - 1] + elements);
        huffman::encode(Bytes(d.top.data(), d.top.size()), huffman::kDefaultSegmentLog, d.top_encoded);
        fastx::encode(Bytes(d.top.data(), d.top.size()), fastx::kDefaultSegmentLog, d.top_fastx);
        return d;
    }();
    return d;
}

void set_level(benchmark::State& state) { simd::set_cap(static_cast<simd::Level>(state.range(0))); }

void BM_HuffmanDecodeTopPlane(benchmark::State& state) {
    set_level(state);
    Data& d = data();
    std::vector<uint8_t> out(d.top.size());
    for (auto _ : state) {
        huffman::decode(d.top_encoded.span(), out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(d.top.size()));
    state.counters["ratio"] = double(d.top.size()) / double(d.top_encoded.size());
}

void BM_HuffmanEncodeTopPlane(benchmark::State& state) {
    set_level(state);
    Data& d = data();
    Buffer out;
    for (auto _ : state) {
        out.clear();
        huffman::encode(Bytes(d.top.data(), d.top.size()), huffman::kDefaultSegmentLog, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(d.top.size()));
}

void BM_FastxDecodeTopPlane(benchmark::State& state) {
    set_level(state);
    Data& d = data();
    std::vector<uint8_t> out(d.top.size());
    for (auto _ : state) {
        fastx::decode(d.top_fastx.span(), out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(d.top.size()));
    state.counters["ratio"] = double(d.top.size()) / double(d.top_fastx.size());
}

void BM_FastxEncodeTopPlane(benchmark::State& state) {
    set_level(state);
    Data& d = data();
    Buffer out;
    for (auto _ : state) {
        out.clear();
        fastx::encode(Bytes(d.top.data(), d.top.size()), fastx::kDefaultSegmentLog, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(d.top.size()));
}

void BM_MergePlanes1MiB(benchmark::State& state) {
    set_level(state);
    Data& d = data();
    const size_t elements = d.chunk / d.width;
    std::vector<uint8_t> planes(d.chunk), out(d.chunk);
    uint8_t* p[8];
    for (unsigned k = 0; k < d.width; ++k) p[k] = planes.data() + k * elements;
    split_planes(d.file.data(), elements, d.width, true, p);
    const uint8_t* cp[8];
    for (unsigned k = 0; k < d.width; ++k) cp[k] = p[k];
    for (auto _ : state) {
        merge_planes(cp, elements, d.width, true, out.data());
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(d.chunk));
}

void BM_SplitPlanes1MiB(benchmark::State& state) {
    set_level(state);
    Data& d = data();
    const size_t elements = d.chunk / d.width;
    std::vector<uint8_t> planes(d.chunk);
    uint8_t* p[8];
    for (unsigned k = 0; k < d.width; ++k) p[k] = planes.data() + k * elements;
    for (auto _ : state) {
        split_planes(d.file.data(), elements, d.width, true, p);
        benchmark::DoNotOptimize(planes.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(d.chunk));
}

void BM_Checksum1MiB(benchmark::State& state) {
    set_level(state);
    Data& d = data();
    for (auto _ : state) benchmark::DoNotOptimize(hash64_seeded(d.file.data(), d.chunk, 1));
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(d.chunk));
}

void BM_HuffmanTableBuild(benchmark::State& state) {
    Data& d = data();
    uint32_t freq[256] = {};
    for (size_t i = 0; i < 65536; ++i) ++freq[d.top[i]];
    uint8_t len[256];
    huffman::build_lengths(freq, len);
    static huffman::DecodeTable table;
    for (auto _ : state) {
        benchmark::DoNotOptimize(huffman::build_decode_table(len, table));
        benchmark::ClobberMemory();
    }
}

#define LEVELS Arg(0)->Arg(1)->Arg(2)
BENCHMARK(BM_HuffmanDecodeTopPlane)->LEVELS;
BENCHMARK(BM_HuffmanEncodeTopPlane)->LEVELS;
BENCHMARK(BM_FastxDecodeTopPlane)->LEVELS;
BENCHMARK(BM_FastxEncodeTopPlane)->LEVELS;
BENCHMARK(BM_MergePlanes1MiB)->LEVELS;
BENCHMARK(BM_SplitPlanes1MiB)->LEVELS;
BENCHMARK(BM_Checksum1MiB)->LEVELS;
BENCHMARK(BM_HuffmanTableBuild);

}  // namespace

BENCHMARK_MAIN();
