#include "codec/frame_map.hpp"

#include <algorithm>
#include <cstring>

#include "dtype/dtype.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai {

FrameMap map_frame(Bytes src) {
    FrameMap m;
    m.header = parse_header(src, &m.header_bytes);
    const FrameHeader& h = m.header;
    const size_t bh = block_header_size(h.checksum);
    const uint32_t chunk = h.chunk_size();
    size_t at = m.header_bytes;
    uint64_t content = 0;
    for (;;) {
        if (src.size() - at < bh) fail(Code::truncated, "frame ends inside a block header");
        BlockHeader b = parse_block_header(src.data() + at, h.checksum, at);
        size_t payload_at = at + bh;
        if (b.payload_size > src.size() - payload_at)
            fail(Code::truncated, "frame ends inside a block payload");
        if (b.type == BlockType::end) {
            if (b.decoded_size != 0 || b.flags != 0 || b.checksum != 0)
                fail_corrupt("END block fields must be zero", at);
            Footer f = parse_footer(Bytes(src.data() + payload_at, b.payload_size), payload_at);
            if (f.block_count != m.blocks.size())
                fail_corrupt("footer block count does not match the frame", payload_at + 8);
            if (f.content_size != content)
                fail_corrupt("footer content size does not match the blocks", payload_at);
            for (size_t i = 0; i < m.blocks.size(); ++i) {
                const BlockRef& r = m.blocks[i];
                uint32_t size = load_u32(f.entries + 8 * i);
                uint32_t decoded = load_u32(f.entries + 8 * i + 4);
                if (size != bh + r.header.payload_size || decoded != r.header.decoded_size)
                    fail_corrupt("footer index does not match block", r.offset);
            }
            size_t trailer = payload_at + b.payload_size - 8;
            if (load_u32(src.data() + trailer) != bh + b.payload_size)
                fail_corrupt("trailer size does not match the END block", trailer);
            at = payload_at + b.payload_size;
            break;
        }
        if (b.decoded_size == 0 || b.decoded_size > chunk)
            fail_corrupt("block decoded size is zero or above the chunk size", at + 4);
        if (m.blocks.size() >= 0xFFFFFFFFu) fail_corrupt("too many blocks", at);
        BlockRef r{at, payload_at, content, b, 0};
        switch (b.type) {
            case BlockType::data:
                // Stored is always an option, so a valid payload never exceeds the
                // decoded size by more than the largest stream table.
                if (b.payload_size > uint64_t(b.decoded_size) + payload_header_size(kMaxStreams))
                    fail_corrupt("block payload larger than its content allows", at);
                break;
            case BlockType::dup: {
                if (b.payload_size != 4) fail_corrupt("DUP block payload must be 4 bytes", at);
                if (b.flags) fail_corrupt("DUP block cannot be kept", at + 9);
                uint32_t target = load_u32(src.data() + payload_at);
                if (target >= m.blocks.size()) fail_corrupt("DUP refers forward", payload_at);
                const BlockRef& t = m.blocks[target];
                if (t.header.type != BlockType::data || !(t.header.flags & block_flag::keep) ||
                    t.header.decoded_size != b.decoded_size)
                    fail_corrupt("DUP target is not a matching kept DATA block", payload_at);
                r.dup_target = target;
                break;
            }
            case BlockType::ref_copy:
                if (b.payload_size != 0) fail_corrupt("REF_COPY block has a payload", at);
                if (!h.has_reference) fail_corrupt("REF_COPY block in a frame without reference", at);
                if (content + b.decoded_size > h.reference_size)
                    fail_corrupt("REF_COPY block beyond the reference", at);
                break;
            case BlockType::end: break;
        }
        content += b.decoded_size;
        if (content > kMaxContentSize) fail_corrupt("content too large", at);
        m.blocks.push_back(r);
        at = payload_at + b.payload_size;
    }
    if (h.content_size_known && h.content_size != content)
        fail_corrupt("blocks do not add up to the header's content size", 8);
    if (h.ndim) {
        const DTypeInfo* d = dtype_info(h.dtype);
        unsigned __int128 elements = 1;
        for (unsigned i = 0; i < h.ndim; ++i) {
            elements *= h.dims[i];
            if (elements > kMaxContentSize) fail_corrupt("shape too large", kHeaderFixedSize);
        }
        if (elements * d->width != content) fail_corrupt("shape does not match content size", 20);
    }
    m.content_size = content;
    m.frame_size = at;
    return m;
}

size_t find_block(const FrameMap& map, uint64_t offset) {
    auto it = std::upper_bound(map.blocks.begin(), map.blocks.end(), offset,
                               [](uint64_t off, const BlockRef& r) { return off < r.content_offset; });
    return static_cast<size_t>(it - map.blocks.begin()) - 1;
}

}  // namespace z4ai
