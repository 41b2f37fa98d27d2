// backend.hpp - entropy/LZ backends: each turns one byte stream into an encoded
// stream and back. IDs are stored in frames and never reused.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "util/buffer.hpp"

namespace z4ai {

enum class BackendId : uint8_t {
    stored = 0,    // bytes as they are
    constant = 1,  // one byte value repeated: encoded size is exactly 1
    zstd = 2,      // one Zstandard frame
    brotli = 3,    // one Brotli stream
    huffman = 4,   // z4ai segmented multi-stream Huffman (core/entropy/huffman)
    fastx = 5,     // z4ai multi-level fixed-width escape code (core/entropy/fastx)
};

const char* backend_name(uint8_t id) noexcept;

struct LzOptions {
    int zstd_level = 3;
    bool long_distance = false;
    int window_log = 0;  // 0 = zstd's choice
    int brotli_quality = 9;
    int brotli_window = 22;
    unsigned huffman_segment_log = 16;  // 64 KiB Huffman segments (backend 4)
    unsigned fastx_segment_log = 16;    // 64 KiB escape-code segments (backend 5)
};

// Per-thread state reused across chunks (zstd contexts, scratch).
class EntropyWorkspace {
   public:
    EntropyWorkspace();
    ~EntropyWorkspace();
    EntropyWorkspace(const EntropyWorkspace&) = delete;
    EntropyWorkspace& operator=(const EntropyWorkspace&) = delete;
    struct Impl;
    Impl& impl() { return *impl_; }

   private:
    std::unique_ptr<Impl> impl_;
};

// Appends the encoding of `in` to `out`. Backends that cannot represent the input
// (constant on varied bytes) must not be requested; the planner checks first.
void encode_stream(BackendId id, Bytes in, const LzOptions& options, EntropyWorkspace& ws, Buffer& out);

// Decodes exactly `decoded_size` bytes into dst. Throws Error(corrupt) when the
// encoded stream is malformed or does not produce exactly decoded_size bytes.
void decode_stream(uint8_t id, Bytes encoded, uint8_t* dst, size_t decoded_size, EntropyWorkspace& ws);

// True when every byte equals in[0] (and size > 0).
bool is_constant(Bytes in) noexcept;

}  // namespace z4ai
