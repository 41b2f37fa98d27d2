// brotli_backend.hpp - one Brotli stream per z4ai stream (max effort tier).
#pragma once
#include "entropy/backend.hpp"

namespace z4ai {
void brotli_encode(Bytes in, const LzOptions& options, Buffer& out);
void brotli_decode(Bytes encoded, uint8_t* dst, size_t decoded_size);
}  // namespace z4ai
