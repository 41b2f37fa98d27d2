// zstd_backend.hpp - one Zstandard frame per stream (no checksum, no dict id:
// z4ai frames carry their own checksums).
#pragma once
#include "entropy/backend.hpp"
#include "entropy/workspace_impl.hpp"

namespace z4ai {
void zstd_encode(Bytes in, const LzOptions& options, EntropyWorkspace::Impl& ws, Buffer& out);
void zstd_decode(Bytes encoded, uint8_t* dst, size_t decoded_size, EntropyWorkspace::Impl& ws);
}  // namespace z4ai
