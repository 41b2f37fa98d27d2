// seedgen.cpp - writes seed corpora for every fuzz target from real frames:
// each dtype and effort tier, sparse, duplicated, odd-tailed, empty, shaped,
// checksum-less, streamed (size unknown), flushed, delta (against prefixes of the
// fuzz reference) and concatenated frames. Usage: z4ai_fuzz_seedgen OUT_DIR
// (writes OUT_DIR/<target>/seed-*).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "entropy/fastx/fastx.hpp"
#include "entropy/huffman/huffman.hpp"
#include "safetensors_util.hpp"

using namespace z4ai_fuzz;
namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

namespace {

fs::path g_out;
int g_count = 0;

void put(const std::string& target, const std::string& name, const Bytes& prefix, const Bytes& body) {
    fs::create_directories(g_out / target);
    std::ofstream f(g_out / target / ("seed-" + name), std::ios::binary);
    f.write(reinterpret_cast<const char*>(prefix.data()), static_cast<std::streamsize>(prefix.size()));
    f.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
    ++g_count;
}

Bytes le64(uint64_t a, uint64_t b = 0, bool two = false) {
    Bytes v;
    for (int i = 0; i < 8; ++i) v.push_back(static_cast<uint8_t>(a >> (8 * i)));
    if (two)
        for (int i = 0; i < 8; ++i) v.push_back(static_cast<uint8_t>(b >> (8 * i)));
    return v;
}

// Weight-like data: gaussian floats in the dtype's encoding, or small integers.
Bytes weights(int32_t dtype, size_t bytes, uint32_t seed, double zero_fraction = 0) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::uniform_real_distribution<double> u(0, 1);
    size_t w = z4ai_dtype_width(dtype);
    Bytes out(bytes, 0);
    for (size_t i = 0; i + w <= bytes; i += w) {
        float v = normal(rng);
        if (u(rng) < zero_fraction) continue;
        uint64_t word;
        switch (dtype) {
            case Z4AI_DTYPE_FP32: {
                uint32_t x;
                std::memcpy(&x, &v, 4);
                word = x;
                break;
            }
            case Z4AI_DTYPE_FP64: {
                double d = v;
                std::memcpy(&word, &d, 8);
                break;
            }
            case Z4AI_DTYPE_BF16:
            case Z4AI_DTYPE_FP16: {
                uint32_t x;
                std::memcpy(&x, &v, 4);
                word = x >> 16;
                break;
            }
            default: word = static_cast<uint64_t>(static_cast<int64_t>(v * 3000)); break;
        }
        std::memcpy(out.data() + i, &word, w);
    }
    for (size_t i = bytes - bytes % w; i < bytes; ++i) out[i] = static_cast<uint8_t>(rng());
    return out;
}

struct Opts {
    int32_t dtype = 0;
    int effort = 1;
    int64_t chunk = 4096;
    bool checksum = true;
    bool shape = false;
    size_t ref_size = 0;  // delta against reference()[0, ref_size)
    bool stream = false;  // unknown content size
    bool flush = false;
};

Bytes compress(const Bytes& src, const Opts& o) {
    Cctx c(z4ai_cctx_create());
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, o.dtype);
    z4ai_cctx_set_param(c.get(), Z4AI_C_EFFORT, o.effort);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, o.chunk);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHECKSUM, o.checksum);
    if (o.shape) {
        uint64_t dims[2] = {2, src.size() / z4ai_dtype_width(o.dtype) / 2};
        check(z4ai_cctx_set_shape(c.get(), dims, 2) == Z4AI_OK, "seed shape");
    }
    if (o.ref_size) z4ai_cctx_ref_reference(c.get(), reference().data(), o.ref_size);
    Bytes frame(z4ai_compress_bound(src.size()));
    size_t n = 0;
    if (!o.stream) {
        check(z4ai_compress(c.get(), frame.data(), frame.size(), src.data(), src.size(), &n) == Z4AI_OK,
              "seed compress");
    } else {
        size_t ipos = 0, remaining = 0;
        for (;;) {
            size_t end = std::min(src.size(), ipos + 1500);
            int32_t op = end == src.size() ? Z4AI_END : (o.flush ? Z4AI_FLUSH : Z4AI_CONTINUE);
            check(z4ai_compress_stream_args(c.get(), frame.data(), frame.size(), &n, src.data(), end, &ipos,
                                            op, &remaining) == Z4AI_OK,
                  "seed stream");
            if (op == Z4AI_END && remaining == 0) break;
        }
    }
    frame.resize(n);
    return frame;
}

void decoder_seeds(const std::string& name, const Bytes& frame) {
    put("decompress", name, {}, frame);
    put("frame_info", name, {}, frame);
    put("stream_decompress", name, le64(0x1234 + g_count), frame);
    put("stream_decompress", name + "-noverify", le64(0x5679), frame);
    uint64_t content = 0;
    z4ai_frame_content_size(frame.data(), frame.size(), &content);
    put("decompress_range", name, le64(content / 3, content / 2, true), frame);
}

// A backend 4 (Huffman) or 5 (fastx) stream of `plane`, 4 KiB segments.
Bytes entropy_stream(uint8_t fastx_backend, const Bytes& plane) {
    z4ai::Buffer out;
    const z4ai::Bytes in(plane.data(), plane.size());
    if (fastx_backend)
        z4ai::fastx::encode(in, z4ai::fastx::kMinSegmentLog, out);
    else
        z4ai::huffman::encode(in, z4ai::huffman::kMinSegmentLog, out);
    return Bytes(out.data(), out.data() + out.size());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    g_out = argv[1];
    const int32_t dtypes[] = {Z4AI_DTYPE_RAW,   Z4AI_DTYPE_BOOL,  Z4AI_DTYPE_INT8,     Z4AI_DTYPE_UINT16,
                              Z4AI_DTYPE_INT32, Z4AI_DTYPE_INT64, Z4AI_DTYPE_FP8_E4M3, Z4AI_DTYPE_FP16,
                              Z4AI_DTYPE_BF16,  Z4AI_DTYPE_FP32,  Z4AI_DTYPE_FP64};
    for (int32_t dt : dtypes)
        for (int effort = 0; effort < 3; ++effort) {
            Opts o;
            o.dtype = dt;
            o.effort = effort;
            std::string name = std::string(z4ai_dtype_name(dt)) + "-e" + std::to_string(effort);
            decoder_seeds(name, compress(weights(dt, 9000, 1 + dt), o));
        }
    Opts o;
    o.dtype = Z4AI_DTYPE_FP32;
    decoder_seeds("fp32-sparse", compress(weights(Z4AI_DTYPE_FP32, 12288, 3, 0.8), o));
    o.dtype = Z4AI_DTYPE_INT8;
    decoder_seeds("int8-sparse", compress(weights(Z4AI_DTYPE_INT8, 8192, 3, 0.9), o));
    o.dtype = Z4AI_DTYPE_BF16;
    Bytes one = weights(Z4AI_DTYPE_BF16, 4096, 9), dup;
    for (int i = 0; i < 3; ++i) dup.insert(dup.end(), one.begin(), one.end());
    decoder_seeds("bf16-dup", compress(dup, o));
    decoder_seeds("empty", compress({}, o));
    decoder_seeds("bf16-tiny", compress(weights(Z4AI_DTYPE_BF16, 10, 2), o));
    o.checksum = false;
    decoder_seeds("bf16-nochecksum", compress(weights(Z4AI_DTYPE_BF16, 9000, 4), o));
    decoder_seeds("bf16-dup-nochecksum", compress(dup, o));
    o.checksum = true;
    o.shape = true;
    decoder_seeds("bf16-shape", compress(weights(Z4AI_DTYPE_BF16, 8192, 5), o));
    o.shape = false;
    o.stream = true;
    Bytes streamed = compress(weights(Z4AI_DTYPE_FP16, 10000, 6), o);
    decoder_seeds("fp16-streamed", streamed);
    o.flush = true;
    decoder_seeds("fp16-flushed", compress(weights(Z4AI_DTYPE_FP16, 10000, 6), o));
    o.flush = o.stream = false;
    o.dtype = Z4AI_DTYPE_FP32;
    o.effort = 2;
    o.chunk = 16384;
    decoder_seeds("fp32-16k-max", compress(weights(Z4AI_DTYPE_FP32, 40000, 7), o));
    // Concatenated frames (the stream target must stop at the first).
    Bytes cat = streamed;
    Bytes second = compress(weights(Z4AI_DTYPE_RAW, 300, 8), Opts{});
    cat.insert(cat.end(), second.begin(), second.end());
    put("stream_decompress", "concatenated", le64(77), cat);

    // Delta frames against prefixes of the fuzz reference, every delta kind.
    const std::vector<uint8_t>& R = reference();
    for (int32_t dt : {Z4AI_DTYPE_BF16, Z4AI_DTYPE_FP32, Z4AI_DTYPE_INT8, Z4AI_DTYPE_RAW, Z4AI_DTYPE_INT64})
        for (size_t ref_size : {size_t(12288), size_t(6000)}) {
            Bytes target(R.begin(), R.begin() + 12288);
            for (size_t i = 0; i < target.size(); i += 97) target[i] ^= static_cast<uint8_t>(i);
            for (size_t i = 4096; i < 8192; ++i) target[i] = R[i];  // an unchanged chunk: REF_COPY
            Opts d;
            d.dtype = dt;
            d.ref_size = ref_size;
            std::string name = std::string(z4ai_dtype_name(dt)) + "-ref" + std::to_string(ref_size);
            Bytes frame = compress(target, d);
            put("delta", name, {}, frame);
            d.checksum = false;
            put("delta", name + "-nochecksum", {}, compress(target, d));
            d.checksum = true;
            d.stream = true;
            put("delta", name + "-streamed", {}, compress(target, d));
            put("frame_info", "delta-" + name, {}, frame);
        }

    // Round-trip targets: parameter bytes + data.
    int k = 0;
    for (int32_t dt : dtypes)
        for (uint8_t b1 : {0x00, 0x01, 0x02, 0x21, 0x48, 0x84, 0xC5}) {
            Bytes params = {static_cast<uint8_t>(dt), b1, static_cast<uint8_t>(k % 4), 0, 0, 3,
                            static_cast<uint8_t>(k),  0};
            Bytes data = weights(dt, 1000 + 1500 * (k % 5), k, (k % 3) ? 0 : 0.7);
            if (k % 6 == 0) data.insert(data.end(), data.begin(), data.end());
            put("roundtrip", std::to_string(k), params, data);
            put("stream_roundtrip", std::to_string(k), params, data);
            ++k;
        }
    // Containers, model deltas and plain .safetensors files.
    std::vector<Bytes> models = {
        base_model(),
        finetune_model(1),
        finetune_model(2),
        make_safetensors({}, "empty"),
        make_safetensors({}),
        make_safetensors({{"x", "F32", {3}, pseudo_weights(12, 5, 4)}}),
        make_safetensors({{"a", "U8", {5000}, Bytes(5000, 7)}, {"b", "U8", {5000}, Bytes(5000, 7)}})};
    for (size_t i = 0; i < models.size(); ++i) {
        const Bytes& m = models[i];
        put("safetensors", std::to_string(i), {}, m);
        for (int effort : {0, 2}) {
            Cctx c(z4ai_cctx_create());
            z4ai_cctx_set_param(c.get(), Z4AI_C_EFFORT, effort);
            z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, 4096);
            z4ai_cctx_set_param(c.get(), Z4AI_C_CHECKSUM, i % 2 == 0);
            uint64_t bound = 0;
            check(z4ai_safetensors_compress_bound(m.data(), m.size(), &bound) == Z4AI_OK, "seed st bound");
            Bytes zstn(static_cast<size_t>(bound));
            size_t n = 0;
            check(z4ai_safetensors_compress(c.get(), zstn.data(), zstn.size(), m.data(), m.size(), &n) ==
                      Z4AI_OK,
                  "seed zstn");
            zstn.resize(n);
            put("container", std::to_string(i) + "-e" + std::to_string(effort), {}, zstn);
            if (i == 1 || i == 2) {
                const Bytes& base = base_model();
                Bytes z4dm(static_cast<size_t>(bound));
                check(z4ai_model_delta_compress(c.get(), z4dm.data(), z4dm.size(), m.data(), m.size(),
                                                base.data(), base.size(), &n) == Z4AI_OK,
                      "seed z4dm");
                z4dm.resize(n);
                put("model_delta", std::to_string(i) + "-e" + std::to_string(effort), {}, z4dm);
                put("container", "delta-" + std::to_string(i), {}, z4dm);
            }
        }
    }
    // HDF5 filter: cd_values as set_local writes them, then a chunk to encode (mode 0)
    // or a stored chunk (a frame) to decode (mode 1); little- and big-endian types.
    struct H5Seed {
        int32_t dtype;
        unsigned esize, effort, flags, order;
    };
    const H5Seed h5[] = {{Z4AI_DTYPE_FP32, 4, 0, 0, 0},
                         {Z4AI_DTYPE_BF16, 2, 3, 0, 0},
                         {Z4AI_DTYPE_FP16, 2, 1, 1, 1},
                         {Z4AI_DTYPE_INT64, 8, 0, 0, 1},
                         {Z4AI_DTYPE_RAW, 1, 0, 0, 0}};
    for (const H5Seed& h : h5) {
        Bytes chunk = weights(h.dtype, 6000, 11 + h.dtype);
        unsigned rank = 1, dim = static_cast<unsigned>(chunk.size() / h.esize);
        unsigned vals[] = {1,
                           1,
                           h.esize,
                           static_cast<unsigned>(h.dtype == Z4AI_DTYPE_RAW ? 255 : h.dtype),
                           static_cast<unsigned>(chunk.size()),
                           h.effort,
                           h.flags,
                           h.order,
                           rank,
                           dim};
        Bytes prefix = {0, static_cast<uint8_t>(std::size(vals))};
        for (unsigned v : vals)
            for (int i = 0; i < 4; ++i) prefix.push_back(static_cast<uint8_t>(v >> (8 * i)));
        std::string name = std::string(z4ai_dtype_name(h.dtype)) + "-o" + std::to_string(h.order);
        put("hdf5_filter", "enc-" + name, prefix, chunk);
        Opts o;
        o.dtype = h.dtype;
        o.effort = h.effort == 3 ? Z4AI_EFFORT_MAX : Z4AI_EFFORT_DEFAULT;
        prefix[0] = 1;
        put("hdf5_filter", "dec-" + name, prefix, compress(chunk, o));
    }
    // Entropy streams: backend 4/5 encodings of weight-like bytes (flags, SIMD
    // cap, decoded size, stream) and raw bytes to round-trip.
    for (int32_t dt : {Z4AI_DTYPE_BF16, Z4AI_DTYPE_FP16, Z4AI_DTYPE_INT8})
        for (uint8_t backend : {0, 1}) {
            Bytes plane = weights(dt, 9000, 31 + dt);
            if (z4ai_dtype_width(dt) == 2)  // the high (exponent) bytes
                for (size_t i = 0; i < plane.size() / 2; ++i) plane[i] = plane[2 * i + 1];
            plane.resize(z4ai_dtype_width(dt) == 2 ? 4500 : plane.size());
            Bytes stream = entropy_stream(backend, plane);
            const uint32_t n = static_cast<uint32_t>(plane.size());
            Bytes prefix = {backend,
                            2,
                            static_cast<uint8_t>(n),
                            static_cast<uint8_t>(n >> 8),
                            static_cast<uint8_t>(n >> 16),
                            static_cast<uint8_t>(n >> 24)};
            std::string name = std::string(backend ? "fastx-" : "huffman-") + z4ai_dtype_name(dt);
            put("entropy_streams", name, prefix, stream);
            prefix[0] = static_cast<uint8_t>(backend | 2);
            put("entropy_streams", name + "-roundtrip", prefix, plane);
        }
    std::printf("wrote %d seeds to %s\n", g_count, argv[1]);
    return 0;
}
