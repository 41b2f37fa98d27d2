#include "entropy/backend.hpp"

#include <cstring>

#include "entropy/brotli_backend.hpp"
#include "entropy/fastx/fastx.hpp"
#include "entropy/huffman/huffman.hpp"
#include "entropy/workspace_impl.hpp"
#include "entropy/zstd_backend.hpp"
#include "util/status.hpp"

namespace z4ai {

EntropyWorkspace::EntropyWorkspace() : impl_(std::make_unique<Impl>()) {}
EntropyWorkspace::~EntropyWorkspace() = default;

const char* backend_name(uint8_t id) noexcept {
    switch (static_cast<BackendId>(id)) {
        case BackendId::stored: return "stored";
        case BackendId::constant: return "constant";
        case BackendId::zstd: return "zstd";
        case BackendId::brotli: return "brotli";
        case BackendId::huffman: return "huffman";
        case BackendId::fastx: return "fastx";
    }
    return "unknown";
}

bool is_constant(Bytes in) noexcept {
    if (in.empty()) return false;
    const uint8_t first = in[0];
    const uint8_t* p = in.data();
    size_t n = in.size();
    // Word-at-a-time compare: this runs on every plane of every chunk.
    uint64_t pattern = 0x0101010101010101ull * first;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (w != pattern) return false;
    }
    for (; i < n; ++i)
        if (p[i] != first) return false;
    return true;
}

void encode_stream(BackendId id, Bytes in, const LzOptions& options, EntropyWorkspace& ws, Buffer& out) {
    switch (id) {
        case BackendId::stored: out.append(in.data(), in.size()); return;
        case BackendId::constant:
            if (!is_constant(in)) fail(Code::internal, "constant backend on varied bytes");
            out.append(in.data(), 1);
            return;
        case BackendId::zstd: zstd_encode(in, options, ws.impl(), out); return;
        case BackendId::brotli: brotli_encode(in, options, out); return;
        case BackendId::huffman: huffman::encode(in, options.huffman_segment_log, out); return;
        case BackendId::fastx: fastx::encode(in, options.fastx_segment_log, out); return;
        default: fail(Code::internal, "backend not available for encoding");
    }
}

void decode_stream(uint8_t id, Bytes encoded, uint8_t* dst, size_t decoded_size, EntropyWorkspace& ws) {
    switch (static_cast<BackendId>(id)) {
        case BackendId::stored:
            if (encoded.size() != decoded_size) fail(Code::corrupt, "stored stream size mismatch");
            if (decoded_size) std::memcpy(dst, encoded.data(), decoded_size);
            return;
        case BackendId::constant:
            if (encoded.size() != 1 || decoded_size == 0)
                fail(Code::corrupt, "constant stream must be one byte");
            std::memset(dst, encoded[0], decoded_size);
            return;
        case BackendId::zstd: zstd_decode(encoded, dst, decoded_size, ws.impl()); return;
        case BackendId::brotli: brotli_decode(encoded, dst, decoded_size); return;
        case BackendId::huffman: huffman::decode(encoded, dst, decoded_size); return;
        case BackendId::fastx: fastx::decode(encoded, dst, decoded_size); return;
        default: fail(Code::corrupt, "unknown stream backend id " + std::to_string(id));
    }
}

}  // namespace z4ai
