// test_support.hpp - helpers shared by the GoogleTest suites: deterministic data
// that looks like real weights, and RAII wrappers over the C ABI.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "z4ai.h"

namespace z4ai_test {

using Bytes = std::vector<uint8_t>;

struct CctxDeleter {
    void operator()(z4ai_cctx* c) const { z4ai_cctx_free(c); }
};
struct DctxDeleter {
    void operator()(z4ai_dctx* d) const { z4ai_dctx_free(d); }
};
using Cctx = std::unique_ptr<z4ai_cctx, CctxDeleter>;
using Dctx = std::unique_ptr<z4ai_dctx, DctxDeleter>;

inline Cctx make_cctx() { return Cctx(z4ai_cctx_create()); }
inline Dctx make_dctx() { return Dctx(z4ai_dctx_create()); }

// Gaussian weights (std 0.02) encoded in the given float dtype, or uniform
// integers for integer dtypes; byte-exact and deterministic for a seed.
Bytes weights(int32_t dtype, size_t bytes, uint32_t seed = 1);
Bytes random_bytes(size_t n, uint32_t seed = 7);

struct Compressed {
    z4ai_status status;
    Bytes frame;
};
Compressed compress(z4ai_cctx* c, const Bytes& src);
Compressed compress(const Bytes& src, int32_t dtype, int effort = Z4AI_EFFORT_DEFAULT, int64_t chunk_size = 0,
                    int threads = 1);
struct Decompressed {
    z4ai_status status;
    Bytes data;
};
Decompressed decompress(z4ai_dctx* d, const Bytes& frame, size_t capacity);
Decompressed decompress(const Bytes& frame);

// Streams src through the encoder with the given buffer sizes.
Bytes stream_compress(z4ai_cctx* c, const Bytes& src, size_t in_step, size_t out_step, z4ai_status* status);
Bytes stream_decompress(z4ai_dctx* d, const Bytes& frame, size_t in_step, size_t out_step,
                        z4ai_status* status);

}  // namespace z4ai_test
