#include <cstring>

#include "dtype/dtype.hpp"
#include "frame/format.hpp"
#include "util/hash.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai {

size_t header_size(const FrameHeader& h) noexcept {
    return kHeaderFixedSize + 8 * h.ndim + (h.has_reference ? 24 : 0) + 4;
}

void write_header(const FrameHeader& h, Buffer& out) {
    size_t n = header_size(h);
    uint8_t* p = out.extend(n);
    std::memset(p, 0, n);
    std::memcpy(p, kFrameMagic, 4);
    p[4] = h.version;
    p[5] = static_cast<uint8_t>((h.checksum ? frame_flag::checksum : 0) |
                                (h.content_size_known ? frame_flag::content_size : 0) |
                                (h.has_reference ? frame_flag::reference : 0));
    p[6] = h.dtype;
    p[7] = static_cast<uint8_t>(h.ndim);
    store_u64(p + 8, h.content_size_known ? h.content_size : 0);
    p[16] = static_cast<uint8_t>(h.chunk_log);
    size_t at = kHeaderFixedSize;
    for (unsigned i = 0; i < h.ndim; ++i, at += 8) store_u64(p + at, h.dims[i]);
    if (h.has_reference) {
        store_u64(p + at, h.reference_size);
        std::memcpy(p + at + 8, h.reference_digest.data(), 16);
        at += 24;
    }
    store_u32(p + at, checksum32(p, at));
}

size_t header_size_from_prefix(Bytes prefix) {
    if (prefix.size() < 8) return kHeaderFixedSize;
    unsigned ndim = prefix[7];
    bool ref = prefix[5] & frame_flag::reference;
    return kHeaderFixedSize + 8 * size_t(ndim) + (ref ? 24 : 0) + 4;
}

FrameHeader parse_header(Bytes src, size_t* consumed) {
    // Magic first: a short input that cannot be a frame is "unknown format", not
    // "truncated", so callers can tell foreign data from a partial download.
    size_t magic_bytes = src.size() < 4 ? src.size() : 4;
    if (std::memcmp(src.data(), kFrameMagic, magic_bytes) != 0)
        fail(Code::unknown_format, "not a z4ai frame (bad magic number)");
    if (src.size() < kHeaderFixedSize) fail(Code::truncated, "frame header truncated");
    const uint8_t* p = src.data();
    FrameHeader h;
    h.version = p[4];
    if (h.version == 0) fail_corrupt("format version 0 is invalid", 4);
    if (h.version > kFormatVersion)
        fail(Code::version_unsupported, "frame format version " + std::to_string(h.version) +
                                            " is newer than this library reads (" +
                                            std::to_string(kFormatVersion) + ")");
    uint8_t flags = p[5];
    if (flags & ~frame_flag::known) fail_corrupt("reserved frame flag bits are set", 5);
    h.checksum = flags & frame_flag::checksum;
    h.content_size_known = flags & frame_flag::content_size;
    h.has_reference = flags & frame_flag::reference;
    h.dtype = p[6];
    if (!dtype_info(h.dtype)) fail_corrupt("unknown dtype code in header", 6);
    h.ndim = p[7];
    if (h.ndim > kMaxDims) fail_corrupt("more than 8 dimensions", 7);
    h.content_size = load_u64(p + 8);
    if (!h.content_size_known && h.content_size != 0) fail_corrupt("content size set but flagged unknown", 8);
    if (h.content_size > kMaxContentSize) fail_corrupt("content size too large", 8);
    h.chunk_log = p[16];
    if (h.chunk_log < kMinChunkLog || h.chunk_log > kMaxChunkLog) fail_corrupt("chunk size out of range", 16);
    if (p[17] || p[18] || p[19]) fail_corrupt("reserved header bytes are not zero", 17);
    size_t total = header_size(h);
    if (src.size() < total) fail(Code::truncated, "frame header truncated");
    size_t at = kHeaderFixedSize;
    for (unsigned i = 0; i < h.ndim; ++i, at += 8) h.dims[i] = load_u64(p + at);
    if (h.has_reference) {
        h.reference_size = load_u64(p + at);
        std::memcpy(h.reference_digest.data(), p + at + 8, 16);
        at += 24;
    }
    if (load_u32(p + at) != checksum32(p, at)) fail(Code::checksum, "frame header check failed");
    if (h.ndim && h.content_size_known) {
        // The shape must describe the content exactly (overflow-safe product).
        const DTypeInfo* d = dtype_info(h.dtype);
        unsigned __int128 elements = 1;
        for (unsigned i = 0; i < h.ndim; ++i) {
            elements *= h.dims[i];
            if (elements > kMaxContentSize) fail_corrupt("shape too large", kHeaderFixedSize);
        }
        if (elements * d->width != h.content_size)
            fail_corrupt("shape does not match content size", kHeaderFixedSize);
    }
    *consumed = total;
    return h;
}

}  // namespace z4ai
