// container_format.hpp - the .zstn container and the .z4dm model delta on the
// wire (docs/FORMAT.md, "Containers"): a 16-byte prefix, z4ai frames, an index
// and a 24-byte trailer. Only this file's .cpp reads or writes those bytes.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "util/buffer.hpp"

namespace z4ai {

constexpr uint8_t kContainerMagic[4] = {'Z', '4', 'S', 'T'};
constexpr uint8_t kModelDeltaMagic[4] = {'Z', '4', 'D', 'M'};
constexpr uint8_t kContainerEndMagic[4] = {'Z', '4', 'S', 'E'};
constexpr uint8_t kContainerVersion = 1;
constexpr size_t kContainerPrefixSize = 16;
constexpr size_t kContainerTrailerSize = 24;
constexpr size_t kIndexFixedSize = 48;
constexpr size_t kIndexBaseSize = 24;  // model delta: base size + digest
constexpr size_t kEntrySize = 24;

enum class TensorMethod : uint8_t {
    empty = 0,       // zero-byte tensor, nothing stored
    frame = 1,       // own z4ai frame
    same = 2,        // same bytes as an earlier tensor of this file (ref = its index)
    base_copy = 3,   // model delta: same bytes as base tensor `ref`
    base_delta = 4,  // model delta: frame whose reference is base tensor `ref`
    raw = 255,       // not on the wire: a plain .safetensors opened by a reader
};

struct TensorEntry {
    TensorMethod method = TensorMethod::empty;
    uint32_t ref = 0;
    uint64_t frame_offset = 0;
    uint64_t frame_size = 0;
};

struct ContainerIndex {
    bool model_delta = false;
    uint64_t file_size = 0;    // restored .safetensors size
    uint64_t header_size = 0;  // 8 + N
    uint32_t tensor_count = 0;
    uint64_t gap_frame_offset = 0;
    uint64_t gap_frame_size = 0;
    uint64_t base_file_size = 0;
    std::array<uint8_t, 16> base_digest{};
    Buffer header_blob;   // compressed header bytes (as stored)
    Buffer header_bytes;  // the original 8 + N bytes, once decoded
    std::vector<TensorEntry> entries;
    uint64_t index_offset = 0;
    uint64_t index_size = 0;
};

// Serialises prefix / index + trailer. `base_header` is the zstd prefix used for
// the header blob of a model delta (the base file's header bytes), else empty.
void write_container_prefix(bool model_delta, Buffer& out);
void write_container_index(const ContainerIndex& index, Bytes base_header, uint64_t index_offset,
                           Buffer& out);

// Parses the trailer (last 24 bytes) of a container of total_size bytes.
void parse_container_trailer(const uint8_t* trailer, uint64_t total_size, uint64_t* index_offset,
                             uint64_t* index_size);
// Checks the 16-byte prefix; returns whether it is a model delta.
bool parse_container_prefix(const uint8_t* prefix);
// Parses the index bytes (fixed fields and tensor table; the header blob is
// kept compressed: see decode_container_header).
void parse_container_index(Bytes index, bool model_delta, uint64_t max_memory, ContainerIndex& out);
// Decodes header_blob into header_bytes. A model delta's blob needs the base
// file's header bytes (8 + N) as its dictionary.
void decode_container_header(ContainerIndex& index, Bytes base_header);

}  // namespace z4ai
