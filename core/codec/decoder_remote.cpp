#include "codec/decoder_remote.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "codec/chunk_codec.hpp"
#include "dtype/dtype.hpp"
#include "util/hash.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

constexpr size_t kMaxHeaderSize = kHeaderFixedSize + 8 * kMaxDims + 24 + 4;

struct Located {
    uint64_t offset;          // of the block header, relative to the frame
    uint64_t content_offset;  // first content byte it decodes
    uint32_t size;            // header + payload
    uint32_t decoded;
};

}  // namespace

uint64_t decode_frame_range(Source& src, uint64_t frame_offset, uint64_t frame_size,
                            const DecodeConfig& config, uint64_t offset, uint64_t length, uint8_t* dst) {
    if (frame_offset > src.size() || frame_size > src.size() - frame_offset)
        fail_corrupt("frame lies outside the input", frame_offset);
    // Header.
    Buffer head;
    head.resize(static_cast<size_t>(std::min<uint64_t>(frame_size, kMaxHeaderSize)));
    src.read_at(frame_offset, head.data(), head.size());
    size_t hb = 0;
    FrameHeader h = parse_header(head.span(), &hb);
    const size_t bh = block_header_size(h.checksum);

    // Trailer -> END block -> footer.
    if (frame_size < hb + bh + kFooterFixedSize) fail(Code::truncated, "frame too short for its END block");
    uint8_t trailer[8];
    src.read_at(frame_offset + frame_size - 8, trailer, 8);
    if (std::memcmp(trailer + 4, kEndMagic, 4) != 0)
        fail_corrupt("bad end magic", frame_offset + frame_size - 4);
    uint32_t end_size = load_u32(trailer);
    if (end_size < bh + kFooterFixedSize || end_size > frame_size - hb)
        fail_corrupt("END block size out of range", frame_offset + frame_size - 8);
    Buffer end;
    end.resize(end_size);
    uint64_t end_at = frame_offset + frame_size - end_size;
    src.read_at(end_at, end.data(), end_size);
    BlockHeader eb = parse_block_header(end.data(), h.checksum, end_at);
    if (eb.type != BlockType::end || eb.decoded_size || eb.flags || eb.checksum ||
        eb.payload_size != end_size - bh)
        fail_corrupt("malformed END block", end_at);
    Footer f = parse_footer(Bytes(end.data() + bh, eb.payload_size), end_at + bh);

    std::vector<Located> blocks(f.block_count);
    uint64_t at = hb, content = 0;
    for (uint32_t i = 0; i < f.block_count; ++i) {
        uint32_t size = load_u32(f.entries + 8 * size_t(i));
        uint32_t decoded = load_u32(f.entries + 8 * size_t(i) + 4);
        if (size < bh || decoded == 0 || decoded > h.chunk_size())
            fail_corrupt("footer entry out of range", end_at);
        blocks[i] = {at, content, size, decoded};
        at += size;
        content += decoded;
        if (at > frame_size) fail_corrupt("footer blocks exceed the frame", end_at);
    }
    if (at + end_size != frame_size) fail_corrupt("footer blocks do not fill the frame", end_at);
    if (content != f.content_size) fail_corrupt("footer content size does not match its blocks", end_at);
    if (h.content_size_known && h.content_size != content)
        fail_corrupt("blocks do not add up to the header's content size", frame_offset + 8);
    if (h.ndim) {
        unsigned __int128 e = dtype_info(h.dtype)->width;
        for (unsigned i = 0; i < h.ndim; ++i) {
            e *= h.dims[i];
            if (e > kMaxContentSize) fail_corrupt("shape too large", frame_offset + kHeaderFixedSize);
        }
        if (e != content) fail_corrupt("shape does not match content size", frame_offset + kHeaderFixedSize);
    }

    if (offset > content || length > content - offset)
        fail(Code::param_out_of_bounds, "range outside the frame content");
    if (length == 0) return 0;

    // Reference (delta frames).
    if (h.has_reference) {
        if (!config.has_reference)
            fail(Code::reference_missing, "this is a delta frame: attach its reference to decode it");
        if (config.reference_size != h.reference_size)
            fail(Code::reference_mismatch, "reference is " + std::to_string(config.reference_size) +
                                               " bytes; the frame was made against " +
                                               std::to_string(h.reference_size));
        if (digest128(config.reference, config.reference_size) != h.reference_digest)
            fail(Code::reference_mismatch, "reference digest does not match the frame's");
    }
    uint64_t per_block = uint64_t(h.chunk_size()) * 3;
    if (per_block > config.max_memory)
        fail(Code::memory_limit, "frame chunk size needs more working memory than the decoder limit");

    auto find = [&](uint64_t off) {
        auto it = std::upper_bound(blocks.begin(), blocks.end(), off,
                                   [](uint64_t o, const Located& b) { return o < b.content_offset; });
        return static_cast<size_t>(it - blocks.begin()) - 1;
    };
    const size_t first = find(offset), last = find(offset + length - 1);
    Buffer span_buf;
    const uint64_t span_at = blocks[first].offset;
    const uint64_t span_len = blocks[last].offset + blocks[last].size - span_at;
    Bytes span = src.view(frame_offset + span_at, static_cast<size_t>(span_len), span_buf);

    DecodeWorkspace ws;
    Buffer block_out, target_buf, target_out;
    auto context = [&](uint64_t content_offset, size_t size) {
        BlockDecodeContext c;
        c.dtype_width = dtype_info(h.dtype)->width;
        c.checksum_present = h.checksum;
        c.verify_checksum = config.verify_checksum;
        c.max_memory = config.max_memory;
        if (h.has_reference && content_offset + size <= config.reference_size)
            c.reference = Bytes(config.reference + content_offset, size);
        return c;
    };
    // Decodes block i (given its stored bytes) into out; DUP blocks fetch their target.
    auto decode_block = [&](auto& self, size_t i, const uint8_t* stored, uint8_t* out, int depth) -> void {
        const Located& L = blocks[i];
        uint64_t abs = frame_offset + L.offset;
        BlockHeader b = parse_block_header(stored, h.checksum, abs);
        if (b.payload_size + bh != L.size || b.decoded_size != L.decoded)
            fail_corrupt("block does not match the footer index", abs);
        Bytes payload(stored + bh, b.payload_size);
        BlockDecodeContext ctx = context(L.content_offset, L.decoded);
        switch (b.type) {
            case BlockType::data:
                if (b.payload_size > uint64_t(b.decoded_size) + payload_header_size(kMaxStreams))
                    fail_corrupt("block payload larger than its content allows", abs);
                decode_data_block(payload, abs + bh, b, ctx, ws, out);
                break;
            case BlockType::ref_copy:
                if (b.payload_size != 0 || !h.has_reference ||
                    L.content_offset + L.decoded > h.reference_size)
                    fail_corrupt("malformed REF_COPY block", abs);
                std::memcpy(out, config.reference + L.content_offset, L.decoded);
                break;
            case BlockType::dup: {
                if (depth > 0 || b.payload_size != 4 || b.flags) fail_corrupt("malformed DUP block", abs);
                uint32_t t = load_u32(payload.data());
                if (t >= i) fail_corrupt("DUP refers forward", abs + bh);
                if (blocks[t].decoded != L.decoded) fail_corrupt("DUP target size differs", abs + bh);
                const uint8_t* tstored;
                if (t >= first) {
                    tstored = span.data() + (blocks[t].offset - span_at);
                } else {
                    target_buf.resize(blocks[t].size);
                    src.read_at(frame_offset + blocks[t].offset, target_buf.data(), blocks[t].size);
                    tstored = target_buf.data();
                }
                BlockHeader tb = parse_block_header(tstored, h.checksum, frame_offset + blocks[t].offset);
                if (tb.type != BlockType::data || !(tb.flags & block_flag::keep))
                    fail_corrupt("DUP target is not a kept DATA block", abs + bh);
                self(self, t, tstored, out, depth + 1);
                break;
            }
            case BlockType::end: fail_corrupt("END block inside the frame", abs);
        }
        verify_block_checksum(b, payload, out, ctx, abs);
    };

    for (size_t i = first; i <= last; ++i) {
        const Located& L = blocks[i];
        const uint8_t* stored = span.data() + (L.offset - span_at);
        uint64_t begin = std::max(offset, L.content_offset);
        uint64_t stop = std::min(offset + length, L.content_offset + L.decoded);
        uint8_t* out = dst + (begin - offset);
        if (begin == L.content_offset && stop == L.content_offset + L.decoded) {
            decode_block(decode_block, i, stored, out, 0);
        } else {
            block_out.resize(L.decoded);
            decode_block(decode_block, i, stored, block_out.data(), 0);
            std::memcpy(out, block_out.data() + (begin - L.content_offset), stop - begin);
        }
    }
    return length;
}

}  // namespace z4ai
