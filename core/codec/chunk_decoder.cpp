#include <cstring>

#include "codec/chunk_codec.hpp"
#include "codec/planes_decode.hpp"
#include "transform/delta.hpp"
#include "transform/planes.hpp"
#include "transform/sparse.hpp"
#include "util/hash.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

bool valid_width(unsigned w) { return w == 1 || w == 2 || w == 4 || w == 8; }

// Decodes streams [first, first + count) back to back into dst.
void decode_streams(const PayloadHeader& h, const uint8_t* const* stream_data, unsigned first, unsigned count,
                    DecodeWorkspace& ws, uint8_t* dst) {
    for (unsigned i = first; i < first + count; ++i) {
        const StreamEntry& e = h.streams[i];
        decode_stream(e.backend, Bytes(stream_data[i], e.encoded_size), dst, e.decoded_size, ws.entropy);
        dst += e.decoded_size;
    }
}

void check_memory(uint64_t need, const BlockDecodeContext& ctx) {
    if (need > ctx.max_memory)
        fail(Code::memory_limit, "block needs " + std::to_string(need) +
                                     " bytes of working memory, above the decoder limit of " +
                                     std::to_string(ctx.max_memory));
}

}  // namespace

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

    switch (static_cast<Layout>(h.layout)) {
        case Layout::raw: {
            if (h.stream_count != 1 || h.layout_param != 0 || h.streams[0].decoded_size != n)
                fail_corrupt("raw layout stream table is inconsistent", payload_offset);
            decode_streams(h, stream_data, 0, 1, ws, dst);
            break;
        }
        case Layout::planes: {
            unsigned w = h.layout_param & 0x0F;
            bool rotate = h.layout_param & kLayoutRotateFlag;
            if ((h.layout_param & 0x70) || w < 2 || !valid_width(w))
                fail_corrupt("bad planes parameter", payload_offset + 2);
            size_t elements = n / w, tail = n % w;
            if (h.stream_count != w + (tail ? 1 : 0))
                fail_corrupt("planes stream count does not match width", payload_offset + 3);
            for (unsigned k = 0; k < w; ++k)
                if (h.streams[k].decoded_size != elements)
                    fail_corrupt("plane size does not match block size", payload_offset);
            if (tail && h.streams[w].decoded_size != tail)
                fail_corrupt("tail size does not match block size", payload_offset);
            check_memory(uint64_t(n) * 2, ctx);
            // Output is final as the planes are merged only without a delta.
            ContentChecksum* sum = h.delta == 0 && ws.checksum.active ? &ws.checksum : nullptr;
            if (!decode_planes_fused(h, stream_data, elements, w, rotate, ws, dst, sum)) {
                ws.streams.resize(elements * w);
                decode_streams(h, stream_data, 0, w, ws, ws.streams.data());
                const uint8_t* planes[8];
                for (unsigned k = 0; k < w; ++k) planes[k] = ws.streams.data() + k * elements;
                merge_planes(planes, elements, w, rotate, dst);
            }
            if (tail) decode_streams(h, stream_data, w, 1, ws, dst + elements * w);
            break;
        }
        case Layout::sparse: {
            unsigned w = h.layout_param & 0x0F;
            bool rotate = h.layout_param & kLayoutRotateFlag;
            if ((h.layout_param & 0x70) || !valid_width(w) || (w == 1 && rotate))
                fail_corrupt("bad sparse parameter", payload_offset + 2);
            size_t elements = n / w, tail = n % w;
            size_t bitmap_size = sparse_bitmap_size(elements);
            if (h.stream_count != 1 + w + (tail ? 1 : 0))
                fail_corrupt("sparse stream count does not match width", payload_offset + 3);
            if (h.streams[0].decoded_size != bitmap_size)
                fail_corrupt("sparse bitmap size does not match block size", payload_offset);
            size_t nnz = h.streams[1].decoded_size;
            if (nnz > elements) fail_corrupt("more sparse values than elements", payload_offset);
            for (unsigned k = 1; k <= w; ++k)
                if (h.streams[k].decoded_size != nnz)
                    fail_corrupt("sparse value planes differ in size", payload_offset);
            if (tail && h.streams[1 + w].decoded_size != tail)
                fail_corrupt("tail size does not match block size", payload_offset);
            check_memory(uint64_t(n) * 3 + bitmap_size, ctx);
            ws.streams.resize(bitmap_size + 2 * nnz * w);
            uint8_t* bitmap = ws.streams.data();
            uint8_t* value_planes = bitmap + bitmap_size;
            uint8_t* values = value_planes + nnz * w;
            decode_streams(h, stream_data, 0, 1 + w, ws, bitmap);
            bool trailing_clear = true;
            if (sparse_popcount(bitmap, elements, &trailing_clear) != nnz || !trailing_clear)
                fail_corrupt("sparse bitmap does not match its value count", payload_offset);
            if (w == 1) {
                values = value_planes;
            } else {
                const uint8_t* planes[8];
                for (unsigned k = 0; k < w; ++k) planes[k] = value_planes + k * nnz;
                merge_planes(planes, nnz, w, rotate, values);
            }
            sparse_merge(bitmap, values, elements, w, dst);
            if (tail) decode_streams(h, stream_data, 1 + w, 1, ws, dst + elements * w);
            break;
        }
        case Layout::narrow:
        case Layout::scaled_int:
        case Layout::palette:
            decode_structured_block(h, stream_data, n, payload_offset, ctx.max_memory, ws.entropy, ws.streams,
                                    dst);
            break;
        default: fail_corrupt("unknown layout", payload_offset + 1);
    }

    if (h.delta == static_cast<uint8_t>(DeltaKind::xor_bits))
        delta_xor(dst, ctx.reference.data(), n, dst);
    else if (h.delta == static_cast<uint8_t>(DeltaKind::sub_zigzag))
        delta_sub_decode(dst, ctx.reference.data(), n, ctx.dtype_width, dst);
}

}  // namespace z4ai
