#include <cstring>

#include "frame/format.hpp"
#include "util/hash.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai {

void write_block_header(const BlockHeader& b, bool checksum, uint8_t* out) noexcept {
    store_u32(out, b.payload_size);
    store_u32(out + 4, b.decoded_size);
    out[8] = static_cast<uint8_t>(b.type);
    out[9] = b.flags;
    out[10] = 0;
    out[11] = 0;
    if (checksum) store_u32(out + 12, b.checksum);
}

uint64_t block_checksum_seed(const BlockHeader& b, Bytes payload) noexcept {
    uint8_t fields[16];
    BlockHeader copy = b;
    copy.checksum = 0;
    write_block_header(copy, false, fields);
    return hash64_seeded(payload.data(), payload.size(), hash64(fields, 12));
}

uint32_t block_checksum(const BlockHeader& b, Bytes payload, const uint8_t* decoded) noexcept {
    return static_cast<uint32_t>(hash64_seeded(decoded, b.decoded_size, block_checksum_seed(b, payload)));
}

BlockHeader parse_block_header(const uint8_t* p, bool checksum, uint64_t offset) {
    BlockHeader b;
    b.payload_size = load_u32(p);
    b.decoded_size = load_u32(p + 4);
    uint8_t type = p[8];
    if (type != 1 && type != 2 && type != 3 && type != 0xFF) fail_corrupt("unknown block type", offset + 8);
    b.type = static_cast<BlockType>(type);
    b.flags = p[9];
    if (b.flags & ~block_flag::keep) fail_corrupt("reserved block flag bits are set", offset + 9);
    if (p[10] || p[11]) fail_corrupt("reserved block header bytes are not zero", offset + 10);
    b.checksum = checksum ? load_u32(p + 12) : 0;
    return b;
}

void write_payload_header(const PayloadHeader& h, uint8_t* out) noexcept {
    out[0] = h.delta;
    out[1] = h.layout;
    out[2] = h.layout_param;
    out[3] = static_cast<uint8_t>(h.stream_count);
    uint8_t* e = out + kPayloadFixedSize;
    for (unsigned i = 0; i < h.stream_count; ++i, e += kStreamEntrySize) {
        e[0] = h.streams[i].backend;
        e[1] = 0;
        store_u32(e + 2, h.streams[i].encoded_size);
        store_u32(e + 6, h.streams[i].decoded_size);
    }
}

PayloadHeader parse_payload_header(Bytes payload, uint64_t offset) {
    if (payload.size() < kPayloadFixedSize) fail_corrupt("block payload too short", offset);
    PayloadHeader h;
    h.delta = payload[0];
    h.layout = payload[1];
    h.layout_param = payload[2];
    h.stream_count = payload[3];
    if (h.stream_count == 0 || h.stream_count > kMaxStreams) fail_corrupt("bad stream count", offset + 3);
    size_t table = payload_header_size(h.stream_count);
    if (payload.size() < table) fail_corrupt("stream table truncated", offset);
    uint64_t total = table;
    const uint8_t* e = payload.data() + kPayloadFixedSize;
    for (unsigned i = 0; i < h.stream_count; ++i, e += kStreamEntrySize) {
        h.streams[i].backend = e[0];
        if (e[1]) fail_corrupt("reserved stream byte is not zero", offset + (e - payload.data()) + 1);
        h.streams[i].encoded_size = load_u32(e + 2);
        h.streams[i].decoded_size = load_u32(e + 6);
        total += h.streams[i].encoded_size;
    }
    if (total != payload.size()) fail_corrupt("stream sizes do not add up to the block payload", offset);
    return h;
}

void write_end_block(uint64_t content_size, const FooterEntry* entries, size_t count, bool checksum,
                     Buffer& out) {
    size_t hsize = block_header_size(checksum);
    size_t fsize = footer_size(count);
    uint8_t* p = out.extend(hsize + fsize);
    BlockHeader b;
    b.type = BlockType::end;
    b.payload_size = static_cast<uint32_t>(fsize);
    write_block_header(b, checksum, p);
    uint8_t* f = p + hsize;
    store_u64(f, content_size);
    store_u32(f + 8, static_cast<uint32_t>(count));
    store_u32(f + 12, 0);
    uint8_t* e = f + 16;
    for (size_t i = 0; i < count; ++i, e += 8) {
        store_u32(e, entries[i].block_size);
        store_u32(e + 4, entries[i].decoded_size);
    }
    store_u32(e, checksum32(f, static_cast<size_t>(e - f)));
    store_u32(e + 4, static_cast<uint32_t>(hsize + fsize));
    std::memcpy(e + 8, kEndMagic, 4);
}

Footer parse_footer(Bytes payload, uint64_t offset) {
    if (payload.size() < kFooterFixedSize) fail_corrupt("footer too short", offset);
    const uint8_t* f = payload.data();
    Footer footer;
    footer.content_size = load_u64(f);
    footer.block_count = load_u32(f + 8);
    if (load_u32(f + 12) != 0) fail_corrupt("reserved footer field is not zero", offset + 12);
    if (payload.size() != footer_size(footer.block_count))
        fail_corrupt("footer size does not match its block count", offset);
    size_t body = 16 + 8 * size_t(footer.block_count);
    if (load_u32(f + body) != checksum32(f, body)) fail(Code::checksum, "frame footer check failed");
    if (std::memcmp(f + body + 8, kEndMagic, 4) != 0) fail_corrupt("bad end magic", offset + body + 8);
    footer.entries = f + 16;
    return footer;
}

}  // namespace z4ai
