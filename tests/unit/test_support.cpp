#include "test_support.hpp"

#include <algorithm>

namespace z4ai_test {
namespace {

uint16_t f32_to_bf16_rne(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    u += 0x7FFF + ((u >> 16) & 1);
    return static_cast<uint16_t>(u >> 16);
}

uint16_t f32_to_f16(float f) {
    // Round-to-nearest-even float -> half for normal range values used here.
    uint32_t x;
    std::memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    int32_t exp = static_cast<int32_t>((x >> 23) & 0xFF) - 127 + 15;
    uint32_t mant = x & 0x7FFFFF;
    if (exp <= 0) {
        if (exp < -10) return static_cast<uint16_t>(sign);
        mant |= 0x800000;
        uint32_t shift = static_cast<uint32_t>(14 - exp);
        uint32_t half = mant >> shift;
        uint32_t rem = mant & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1))) ++half;
        return static_cast<uint16_t>(sign | half);
    }
    if (exp >= 31) return static_cast<uint16_t>(sign | 0x7C00);
    uint32_t half = sign | (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
    uint32_t rem = mant & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) ++half;
    return static_cast<uint16_t>(half);
}

}  // namespace

Bytes weights(int32_t dtype, size_t bytes, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    Bytes out(bytes);
    size_t width = z4ai_dtype_width(dtype);
    size_t n = bytes / width;
    for (size_t i = 0; i < n; ++i) {
        uint8_t* p = out.data() + i * width;
        float v = normal(rng);
        switch (dtype) {
            case Z4AI_DTYPE_FP32: std::memcpy(p, &v, 4); break;
            case Z4AI_DTYPE_FP64: {
                double d = v;
                std::memcpy(p, &d, 8);
                break;
            }
            case Z4AI_DTYPE_BF16: {
                uint16_t h = f32_to_bf16_rne(v);
                std::memcpy(p, &h, 2);
                break;
            }
            case Z4AI_DTYPE_FP16: {
                uint16_t h = f32_to_f16(v);
                std::memcpy(p, &h, 2);
                break;
            }
            case Z4AI_DTYPE_FP8_E4M3:
            case Z4AI_DTYPE_FP8_E5M2: {
                uint16_t h = f32_to_bf16_rne(v * 8);
                p[0] = static_cast<uint8_t>(h >> 8);
                break;
            }
            case Z4AI_DTYPE_BOOL: p[0] = (rng() & 3) == 0; break;
            default: {
                // Small integers around zero, like quantized weights.
                int64_t q = static_cast<int64_t>(std::lround(v * 2000));
                std::memcpy(p, &q, width);
            }
        }
    }
    for (size_t i = n * width; i < bytes; ++i) out[i] = static_cast<uint8_t>(rng());
    return out;
}

Bytes random_bytes(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    Bytes out(n);
    for (auto& b : out) b = static_cast<uint8_t>(rng());
    return out;
}

Compressed compress(z4ai_cctx* c, const Bytes& src) {
    Compressed r;
    r.frame.resize(z4ai_compress_bound(src.size()));
    size_t written = 0;
    r.status = z4ai_compress(c, r.frame.data(), r.frame.size(), src.data(), src.size(), &written);
    r.frame.resize(r.status == Z4AI_OK ? written : 0);
    return r;
}

Compressed compress(const Bytes& src, int32_t dtype, int effort, int64_t chunk_size, int threads) {
    Cctx c = make_cctx();
    z4ai_cctx_set_param(c.get(), Z4AI_C_DTYPE, dtype);
    z4ai_cctx_set_param(c.get(), Z4AI_C_EFFORT, effort);
    z4ai_cctx_set_param(c.get(), Z4AI_C_CHUNK_SIZE, chunk_size);
    z4ai_cctx_set_param(c.get(), Z4AI_C_THREADS, threads);
    return compress(c.get(), src);
}

Decompressed decompress(z4ai_dctx* d, const Bytes& frame, size_t capacity) {
    Decompressed r;
    r.data.resize(capacity);
    size_t written = 0;
    r.status = z4ai_decompress(d, r.data.data(), r.data.size(), frame.data(), frame.size(), &written);
    r.data.resize(r.status == Z4AI_OK ? written : 0);
    return r;
}

Decompressed decompress(const Bytes& frame) {
    uint64_t size = 0;
    Decompressed r;
    r.status = z4ai_frame_content_size(frame.data(), frame.size(), &size);
    if (r.status != Z4AI_OK) return r;
    Dctx d = make_dctx();
    return decompress(d.get(), frame, static_cast<size_t>(size));
}

Bytes stream_compress(z4ai_cctx* c, const Bytes& src, size_t in_step, size_t out_step, z4ai_status* status) {
    Bytes out;
    std::vector<uint8_t> obuf(out_step);
    size_t pos = 0, remaining = 1;
    *status = Z4AI_OK;
    while (pos < src.size() || remaining) {
        size_t n = std::min(in_step, src.size() - pos);
        bool last = pos + n == src.size();
        size_t ipos = 0, opos = 0;
        *status = z4ai_compress_stream_args(c, obuf.data(), obuf.size(), &opos, src.data() + pos, n, &ipos,
                                            last ? Z4AI_END : Z4AI_CONTINUE, &remaining);
        if (*status != Z4AI_OK) return out;
        out.insert(out.end(), obuf.begin(), obuf.begin() + static_cast<long>(opos));
        pos += ipos;
        if (!last && ipos == 0 && opos == 0) remaining = 1;  // keep going
        if (last && remaining == 0 && pos == src.size()) break;
    }
    return out;
}

Bytes stream_decompress(z4ai_dctx* d, const Bytes& frame, size_t in_step, size_t out_step,
                        z4ai_status* status) {
    Bytes out;
    std::vector<uint8_t> obuf(out_step);
    size_t pos = 0, remaining = 1;
    *status = Z4AI_OK;
    int stalls = 0;
    while (remaining) {
        size_t n = std::min(in_step, frame.size() - pos);
        size_t ipos = 0, opos = 0;
        *status = z4ai_decompress_stream_args(d, obuf.data(), obuf.size(), &opos, frame.data() + pos, n,
                                              &ipos, &remaining);
        if (*status != Z4AI_OK) return out;
        out.insert(out.end(), obuf.begin(), obuf.begin() + static_cast<long>(opos));
        pos += ipos;
        if (ipos == 0 && opos == 0 && pos == frame.size()) {
            if (++stalls > 2) {
                *status = Z4AI_E_TRUNCATED;
                return out;
            }
        } else {
            stalls = 0;
        }
    }
    return out;
}

}  // namespace z4ai_test
