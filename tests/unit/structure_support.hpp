// structure_support.hpp - helpers for the structure-layout tests: value makers
// (bf16/fp16 bits, per-row quantize-dequantize like derive.py), frame surgery
// for corruption tests, and a describe() wrapper.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "transform/floatbits.hpp"

namespace z4ai_test {

inline std::string describe(const Bytes& frame) {
    size_t need = 0;
    z4ai_frame_describe(frame.data(), frame.size(), nullptr, 0, &need);
    std::string s(need, '\0');
    size_t w = 0;
    z4ai_frame_describe(frame.data(), frame.size(), s.data(), s.size(), &w);
    s.resize(w);
    return s;
}

inline bool has_layout(const Bytes& frame, const char* name) {
    return describe(frame).find(std::string("\"layout\":\"") + name + "\"") != std::string::npos;
}

template <class T>
void put(Bytes& out, T v) {
    size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &v, sizeof(T));
}

inline std::vector<float> gaussian(size_t n, uint32_t seed, float sd = 0.02f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, sd);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

enum class Container { fp16, bf16, fp32 };

inline void put_container(Bytes& out, float f, Container c) {
    uint32_t b = z4ai::f32_bits(f);
    if (c == Container::fp32)
        put<uint32_t>(out, b);
    else if (c == Container::fp16)
        put<uint16_t>(out, z4ai::fp32_to_fp16_bits(b));
    else
        put<uint16_t>(out, z4ai::fp32_to_bf16_bits(b));
}

// Symmetric per-group quantization like bench/corpus/derive.py: per group of
// `group` values scale = max|w| / qmax (fp32), q = rint(w / scale), value = q * scale
// in fp32, then cast to the container.
inline Bytes quantized(size_t rows, size_t row_len, size_t group, int bits, Container c, uint32_t seed) {
    const int qmax = (1 << (bits - 1)) - 1;
    std::vector<float> w = gaussian(rows * row_len, seed);
    Bytes out;
    for (size_t r = 0; r < rows; ++r) {
        for (size_t g0 = 0; g0 < row_len; g0 += group) {
            size_t g1 = std::min(row_len, g0 + group);
            float amax = 0;
            for (size_t i = g0; i < g1; ++i) amax = std::max(amax, std::fabs(w[r * row_len + i]));
            float scale = amax / float(qmax);
            if (scale == 0) scale = 1;
            for (size_t i = g0; i < g1; ++i) {
                float q = std::nearbyint(w[r * row_len + i] / scale);
                q = std::min(float(qmax), std::max(float(-qmax - 1), q));
                put_container(out, q * scale, c);
            }
        }
    }
    return out;
}

// Offset of the first block's payload in a frame without shape or reference.
inline size_t first_payload_offset(bool checksum) { return 24 + (checksum ? 16 : 12); }

inline Compressed compress_with(const Bytes& src, int32_t dtype, bool checksum, bool structure = true,
                                int effort = Z4AI_EFFORT_DEFAULT, int64_t chunk = 0) {
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, dtype);
    z4ai_cctx_set_param(c.get(), Z4AI_C_EFFORT, effort);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHECKSUM, checksum ? 1 : 0);
    z4ai_cctx_set_param(c.get(), Z4AI_C_STRUCTURE, structure ? 1 : 0);
    if (chunk) z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, chunk);
    return compress(c.get(), src);
}

}  // namespace z4ai_test
