// format.hpp - the z4ai frame: constants and the plain structs that mirror the
// wire format documented field by field in docs/FORMAT.md. Only core/frame reads
// and writes these bytes; everything it reads is bounds-checked.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "util/buffer.hpp"

namespace z4ai {

constexpr uint8_t kFrameMagic[4] = {'Z', '4', 'A', 'I'};
constexpr uint8_t kEndMagic[4] = {'Z', '4', 'A', 'E'};
constexpr uint8_t kFormatVersion = 1;
constexpr unsigned kMaxDims = 8;
constexpr unsigned kMinChunkLog = 12;  // 4 KiB
constexpr unsigned kMaxChunkLog = 28;  // 256 MiB
constexpr uint64_t kMaxContentSize = uint64_t(1) << 62;

namespace frame_flag {
constexpr uint8_t checksum = 1 << 0;      // blocks carry a content checksum
constexpr uint8_t content_size = 1 << 1;  // header content-size field is valid
constexpr uint8_t reference = 1 << 2;     // delta frame: reference size + digest follow
constexpr uint8_t known = checksum | content_size | reference;
}  // namespace frame_flag

struct FrameHeader {
    uint8_t version = kFormatVersion;
    uint8_t dtype = 0;
    bool checksum = true;
    bool content_size_known = false;
    uint64_t content_size = 0;
    unsigned chunk_log = 18;
    unsigned ndim = 0;
    std::array<uint64_t, kMaxDims> dims{};
    bool has_reference = false;
    uint64_t reference_size = 0;
    std::array<uint8_t, 16> reference_digest{};

    uint32_t chunk_size() const { return uint32_t(1) << chunk_log; }
};

constexpr size_t kHeaderFixedSize = 20;
size_t header_size(const FrameHeader& h) noexcept;
// Appends the encoded header (with its check word) to out.
void write_header(const FrameHeader& h, Buffer& out);
// Parses and validates a header at the start of src. Throws truncated when src is a
// valid prefix that is too short, corrupt/version_unsupported/unknown_format otherwise.
FrameHeader parse_header(Bytes src, size_t* consumed);
// Bytes needed to know the full header size (>= kHeaderFixedSize), given a prefix.
size_t header_size_from_prefix(Bytes prefix);

// ---- blocks ----

enum class BlockType : uint8_t { data = 1, dup = 2, ref_copy = 3, end = 0xFF };
namespace block_flag {
constexpr uint8_t keep = 1 << 0;  // a later DUP block refers to this one
}

struct BlockHeader {
    uint32_t payload_size = 0;
    uint32_t decoded_size = 0;
    BlockType type = BlockType::data;
    uint8_t flags = 0;
    uint32_t checksum = 0;
};

inline size_t block_header_size(bool checksum) { return checksum ? 16 : 12; }
// The block checksum covers the decoded bytes AND the block as stored (its header
// fields and payload), so every stored bit is checked, not just the content.
uint32_t block_checksum(const BlockHeader& b, Bytes payload, const uint8_t* decoded) noexcept;
// The seed block_checksum hashes the decoded bytes with (from header and payload).
uint64_t block_checksum_seed(const BlockHeader& b, Bytes payload) noexcept;
void write_block_header(const BlockHeader& b, bool checksum, uint8_t* out) noexcept;
// Validates type, flags and reserved bits. `offset` is used for messages only.
BlockHeader parse_block_header(const uint8_t* p, bool checksum, uint64_t offset);

// ---- DATA payload: delta kind, layout, stream table ----

enum class Layout : uint8_t { raw = 0, planes = 1, sparse = 2, narrow = 3, scaled_int = 4, palette = 5 };
constexpr uint8_t kLayoutRotateFlag = 0x80;  // in layout_param: float words rotated
constexpr unsigned kMaxStreams = 16;
constexpr size_t kPayloadFixedSize = 4;
constexpr size_t kStreamEntrySize = 10;

struct StreamEntry {
    uint8_t backend = 0;
    uint32_t encoded_size = 0;
    uint32_t decoded_size = 0;
};

struct PayloadHeader {
    uint8_t delta = 0;
    uint8_t layout = 0;
    uint8_t layout_param = 0;
    unsigned stream_count = 0;
    std::array<StreamEntry, kMaxStreams> streams{};
};

inline size_t payload_header_size(unsigned streams) { return kPayloadFixedSize + kStreamEntrySize * streams; }
void write_payload_header(const PayloadHeader& p, uint8_t* out) noexcept;
// Parses the table and checks that the stream sizes add up to the payload size.
PayloadHeader parse_payload_header(Bytes payload, uint64_t offset);

// ---- END block payload (footer) ----

struct FooterEntry {
    uint32_t block_size;  // header + payload bytes
    uint32_t decoded_size;
};
constexpr size_t kFooterFixedSize = 16 + 4 + 8;  // sizes+count+reserved, check, trailer
inline size_t footer_size(size_t blocks) { return kFooterFixedSize + 8 * blocks; }
// Appends a complete END block (header + footer + trailer).
void write_end_block(uint64_t content_size, const FooterEntry* entries, size_t count, bool checksum,
                     Buffer& out);

struct Footer {
    uint64_t content_size = 0;
    uint32_t block_count = 0;
    const uint8_t* entries = nullptr;  // block_count x 8 bytes, validated
};
// Parses an END block payload.
Footer parse_footer(Bytes payload, uint64_t offset);

}  // namespace z4ai
