// frame_map.hpp - walks a complete in-memory frame: header, every block header,
// the footer. Checks that they agree (sizes, counts, DUP targets, shape) before
// any payload is decoded, so decoders can trust the map's offsets.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "frame/format.hpp"

namespace z4ai {

struct BlockRef {
    size_t offset;          // of the block header within the frame
    size_t payload_offset;  // of the payload
    uint64_t content_offset;
    BlockHeader header;
    uint32_t dup_target = 0;  // valid for DUP blocks
};

struct FrameMap {
    FrameHeader header;
    size_t header_bytes = 0;
    std::vector<BlockRef> blocks;  // data-carrying blocks, END excluded
    uint64_t content_size = 0;
    size_t frame_size = 0;  // including the END block
};

// Throws truncated when src ends inside the frame, corrupt on inconsistency.
FrameMap map_frame(Bytes src);

// Index of the block holding content byte `offset` (blocks must be non-empty).
size_t find_block(const FrameMap& map, uint64_t offset);

}  // namespace z4ai
