#include <cstring>

#include "codec/chunk_codec.hpp"
#include "transform/delta.hpp"
#include "util/hash.hpp"
#include "util/status.hpp"

namespace z4ai {

void verify_block_checksum(const BlockHeader& header, Bytes payload, const uint8_t* decoded,
                           const BlockDecodeContext& ctx, uint64_t offset) {
    if (!ctx.checksum_present || !ctx.verify_checksum) return;
    if (block_checksum(header, payload, decoded) != header.checksum)
        fail(Code::checksum, "chunk checksum mismatch in block at byte " + std::to_string(offset));
}

void decode_verified_block(Bytes payload, uint64_t payload_offset, const BlockHeader& header,
                           const BlockDecodeContext& ctx, DecodeWorkspace& ws, uint8_t* dst,
                           uint64_t offset) {
    ContentChecksum& sum = ws.checksum;
    sum.active = ctx.checksum_present && ctx.verify_checksum;
    sum.covered = 0;
    if (!sum.active) return decode_data_block(payload, payload_offset, header, ctx, ws, dst);
    sum.stream.reset(block_checksum_seed(header, payload));
    try {
        decode_data_block(payload, payload_offset, header, ctx, ws, dst);
    } catch (...) {
        sum.active = false;
        throw;
    }
    sum.feed(dst, header.decoded_size);
    sum.active = false;
    if (static_cast<uint32_t>(sum.stream.digest()) != header.checksum)
        fail(Code::checksum, "chunk checksum mismatch in block at byte " + std::to_string(offset));
}

void decode_data_block(Bytes payload, uint64_t payload_offset, const BlockHeader& header,
                       const BlockDecodeContext& ctx, DecodeWorkspace& ws, uint8_t* dst) {
    const size_t n = header.decoded_size;
    PayloadHeader h = parse_payload_header(payload, payload_offset);
    const uint8_t* stream_data[kMaxStreams];
    const uint8_t* at = payload.data() + payload_header_size(h.stream_count);
    for (unsigned i = 0; i < h.stream_count; ++i) {
        stream_data[i] = at;
        at += h.streams[i].encoded_size;
    }

    if (h.delta > static_cast<uint8_t>(DeltaKind::sub_zigzag))
        fail_corrupt("unknown delta kind", payload_offset);
    if (h.delta != 0) {
        if (ctx.reference.size() != n) fail_corrupt("delta block outside the reference", payload_offset);
    }

    const LayoutCodec* layout = find_layout(h.layout);
    if (!layout) fail_corrupt("unknown layout", payload_offset + 1);
    layout->decode(LayoutBlock{h, stream_data, n, payload_offset, ctx.max_memory, h.delta == 0}, ws, dst);

    if (h.delta == static_cast<uint8_t>(DeltaKind::xor_bits))
        delta_xor(dst, ctx.reference.data(), n, dst);
    else if (h.delta == static_cast<uint8_t>(DeltaKind::sub_zigzag))
        delta_sub_decode(dst, ctx.reference.data(), n, ctx.dtype_width, dst);
}

}  // namespace z4ai
