#include "frame/frame_index.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "dtype/dtype.hpp"
#include "util/buffer.hpp"
#include "util/le.hpp"
#include "util/source.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

constexpr size_t kMaxHeaderSize = kHeaderFixedSize + 8 * kMaxDims + 24 + 4;

// The rules every non-END block header obeys, whichever way it was read. `content`
// is the content offset the block starts at, `at` its frame offset (for messages).
void check_block_fields(const FrameHeader& h, const BlockHeader& b, uint64_t content, uint64_t at) {
    if (b.type == BlockType::end) fail_corrupt("END block inside the frame", at + 8);
    if (b.decoded_size == 0 || b.decoded_size > h.chunk_size())
        fail_corrupt("block decoded size is zero or above the chunk size", at + 4);
    switch (b.type) {
        case BlockType::data:
            // Stored is always an option, so a valid payload never exceeds the
            // decoded size by more than the largest stream table.
            if (b.payload_size > uint64_t(b.decoded_size) + payload_header_size(kMaxStreams))
                fail_corrupt("block payload larger than its content allows", at);
            break;
        case BlockType::dup:
            if (b.payload_size != 4) fail_corrupt("DUP block payload must be 4 bytes", at);
            if (b.flags) fail_corrupt("DUP block cannot be kept", at + 9);
            break;
        case BlockType::ref_copy:
            if (b.payload_size != 0) fail_corrupt("REF_COPY block has a payload", at);
            if (!h.has_reference) fail_corrupt("REF_COPY block in a frame without reference", at);
            if (content + b.decoded_size > h.reference_size)
                fail_corrupt("REF_COPY block beyond the reference", at);
            break;
        case BlockType::end: break;
    }
}

void check_dup_target_header(const BlockHeader& target, uint32_t decoded_size, uint64_t at) {
    if (target.type != BlockType::data || !(target.flags & block_flag::keep) ||
        target.decoded_size != decoded_size)
        fail_corrupt("DUP target is not a matching kept DATA block", at);
}

// Content size against the header's, and the shape against the content.
void check_content(const FrameHeader& h, uint64_t content) {
    if (h.content_size_known && h.content_size != content)
        fail_corrupt("blocks do not add up to the header's content size", 8);
    if (!h.ndim) return;
    unsigned __int128 elements = 1;  // overflow-safe product
    for (unsigned i = 0; i < h.ndim; ++i) {
        elements *= h.dims[i];
        if (elements > kMaxContentSize) fail_corrupt("shape too large", kHeaderFixedSize);
    }
    if (elements * dtype_info(h.dtype)->width != content)
        fail_corrupt("shape does not match content size", kHeaderFixedSize);
}

void check_end_fields(const BlockHeader& b, uint64_t at) {
    if (b.type != BlockType::end) fail_corrupt("expected the END block", at + 8);
    if (b.decoded_size != 0 || b.flags != 0 || b.checksum != 0)
        fail_corrupt("END block fields must be zero", at);
}

}  // namespace

void FrameIndex::begin(const FrameHeader& h, size_t header_size) {
    header = h;
    header_bytes = header_size;
    blocks.clear();
    content_size = 0;
    frame_size = header_size;
}

void FrameIndex::add_block(const BlockHeader& b, uint64_t at) {
    check_block_fields(header, b, content_size, at);
    if (blocks.size() >= 0xFFFFFFFFu) fail_corrupt("too many blocks", at);
    IndexedBlock r;
    r.offset = at;
    r.content_offset = content_size;
    r.stored_size = static_cast<uint32_t>(block_header_bytes() + b.payload_size);
    r.decoded_size = b.decoded_size;
    r.header_known = true;
    r.header = b;
    content_size += b.decoded_size;
    if (content_size > kMaxContentSize) fail_corrupt("content too large", at);
    if (header.content_size_known && content_size > header.content_size)
        fail_corrupt("blocks exceed the header's content size", at);
    frame_size = at + r.stored_size;
    blocks.push_back(r);
}

void FrameIndex::set_dup_target(size_t i, uint32_t target, uint64_t at) {
    IndexedBlock& r = blocks[i];
    if (target >= i) fail_corrupt("DUP refers forward", at);
    check_dup_target_header(blocks[target].header, r.decoded_size, at);
    r.dup_target = target;
}

void FrameIndex::check_end_header(const BlockHeader& b, uint64_t at) const {
    check_end_fields(b, at);
    if (b.payload_size != footer_size(blocks.size()))
        fail_corrupt("footer size does not match the number of blocks", at);
}

void FrameIndex::finish(Bytes end_payload, uint64_t payload_at) {
    Footer f = parse_footer(end_payload, payload_at);
    if (f.block_count != blocks.size())
        fail_corrupt("footer block count does not match the frame", payload_at + 8);
    if (f.content_size != content_size)
        fail_corrupt("footer content size does not match the blocks", payload_at);
    for (size_t i = 0; i < blocks.size(); ++i)
        if (load_u32(f.entries + 8 * i) != blocks[i].stored_size ||
            load_u32(f.entries + 8 * i + 4) != blocks[i].decoded_size)
            fail_corrupt("footer index does not match block", blocks[i].offset);
    const size_t end_size = block_header_bytes() + end_payload.size();
    const uint64_t trailer = payload_at + end_payload.size() - 8;
    if (load_u32(end_payload.data() + end_payload.size() - 8) != end_size)
        fail_corrupt("trailer size does not match the END block", trailer);
    check_content(header, content_size);
    frame_size = payload_at + end_payload.size();
}

FrameIndex FrameIndex::from_buffer(Bytes src) {
    FrameIndex m;
    size_t used = 0;
    FrameHeader h = parse_header(src, &used);
    m.begin(h, used);
    const size_t bh = m.block_header_bytes();
    size_t at = used;
    for (;;) {
        if (src.size() - at < bh) fail(Code::truncated, "frame ends inside a block header");
        BlockHeader b = parse_block_header(src.data() + at, h.checksum, at);
        const size_t payload_at = at + bh;
        if (b.payload_size > src.size() - payload_at)
            fail(Code::truncated, "frame ends inside a block payload");
        if (b.type == BlockType::end) {
            m.check_end_header(b, at);
            m.finish(Bytes(src.data() + payload_at, b.payload_size), payload_at);
            return m;
        }
        m.add_block(b, at);
        if (b.type == BlockType::dup)
            m.set_dup_target(m.blocks.size() - 1, load_u32(src.data() + payload_at), payload_at);
        at = payload_at + b.payload_size;
    }
}

FrameIndex FrameIndex::from_source(Source& src, uint64_t frame_offset, uint64_t frame_size) {
    if (frame_offset > src.size() || frame_size > src.size() - frame_offset)
        fail_corrupt("frame lies outside the input", frame_offset);
    FrameIndex m;
    Buffer head;
    head.resize(static_cast<size_t>(std::min<uint64_t>(frame_size, kMaxHeaderSize)));
    src.read_at(frame_offset, head.data(), head.size());
    size_t hb = 0;
    m.begin(parse_header(head.span(), &hb), hb);
    const FrameHeader& h = m.header;
    const size_t bh = m.block_header_bytes();

    // Trailer -> END block -> footer.
    if (frame_size < hb + bh + kFooterFixedSize) fail(Code::truncated, "frame too short for its END block");
    uint8_t trailer[8];
    src.read_at(frame_offset + frame_size - 8, trailer, 8);
    if (std::memcmp(trailer + 4, kEndMagic, 4) != 0)
        fail_corrupt("bad end magic", frame_offset + frame_size - 4);
    const uint32_t end_size = load_u32(trailer);
    if (end_size < bh + kFooterFixedSize || end_size > frame_size - hb)
        fail_corrupt("END block size out of range", frame_offset + frame_size - 8);
    Buffer end;
    end.resize(end_size);
    const uint64_t end_at = frame_size - end_size;
    src.read_at(frame_offset + end_at, end.data(), end_size);
    BlockHeader eb = parse_block_header(end.data(), h.checksum, frame_offset + end_at);
    check_end_fields(eb, frame_offset + end_at);
    if (eb.payload_size != end_size - bh)
        fail_corrupt("END block size does not match the trailer", frame_offset + end_at);
    Footer f = parse_footer(Bytes(end.data() + bh, eb.payload_size), frame_offset + end_at + bh);

    // The footer's entries become the index; each block's own header is checked
    // against its entry when the block is read (stored_header).
    m.blocks.resize(f.block_count);
    uint64_t at = hb;
    for (uint32_t i = 0; i < f.block_count; ++i) {
        IndexedBlock& r = m.blocks[i];
        r.stored_size = load_u32(f.entries + 8 * size_t(i));
        r.decoded_size = load_u32(f.entries + 8 * size_t(i) + 4);
        if (r.stored_size < bh || r.decoded_size == 0 || r.decoded_size > h.chunk_size())
            fail_corrupt("footer entry out of range", frame_offset + end_at);
        r.offset = at;
        r.content_offset = m.content_size;
        at += r.stored_size;
        m.content_size += r.decoded_size;
        if (at > frame_size) fail_corrupt("footer blocks exceed the frame", frame_offset + end_at);
    }
    if (at != end_at) fail_corrupt("footer blocks do not fill the frame", frame_offset + end_at);
    if (m.content_size != f.content_size)
        fail_corrupt("footer content size does not match its blocks", frame_offset + end_at);
    check_content(h, m.content_size);
    m.frame_size = frame_size;
    return m;
}

size_t FrameIndex::block_at(uint64_t offset) const {
    auto it = std::upper_bound(blocks.begin(), blocks.end(), offset,
                               [](uint64_t off, const IndexedBlock& r) { return off < r.content_offset; });
    return static_cast<size_t>(it - blocks.begin()) - 1;
}

uint64_t FrameIndex::clamp_range(uint64_t offset, uint64_t length) const {
    if (offset > content_size) fail(Code::param_out_of_bounds, "range starts after the end of the content");
    return std::min<uint64_t>(length, content_size - offset);
}

BlockHeader FrameIndex::stored_header(size_t i, const uint8_t* stored, uint64_t frame_base) const {
    const IndexedBlock& r = blocks[i];
    if (r.header_known) return r.header;
    const uint64_t at = frame_base + r.offset;
    BlockHeader b = parse_block_header(stored, header.checksum, at);
    if (b.payload_size + block_header_bytes() != r.stored_size || b.decoded_size != r.decoded_size)
        fail_corrupt("block does not match the footer index", at);
    check_block_fields(header, b, r.content_offset, at);
    return b;
}

uint32_t FrameIndex::dup_target(size_t i, const uint8_t* stored, uint64_t frame_base) const {
    const IndexedBlock& r = blocks[i];
    if (r.header_known) return r.dup_target;
    uint32_t t = load_u32(stored + block_header_bytes());
    if (t >= i) fail_corrupt("DUP refers forward", frame_base + r.offset + block_header_bytes());
    return t;
}

void FrameIndex::check_dup_target(size_t i, uint32_t target, const uint8_t* target_stored,
                                  uint64_t frame_base) const {
    const IndexedBlock& r = blocks[i];
    if (r.header_known) return;  // checked by set_dup_target
    check_dup_target_header(stored_header(target, target_stored, frame_base), r.decoded_size,
                            frame_base + r.offset + block_header_bytes());
}

}  // namespace z4ai
