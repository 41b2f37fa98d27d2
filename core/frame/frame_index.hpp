// frame_index.hpp - the one reader of a frame's structure. Every read path (one-shot,
// range, streaming, container tensors, describe/info) gets its block offsets from a
// FrameIndex, and every check on the frame's structure lives here, once:
//   - each block header (type, sizes, flags, DUP and REF_COPY rules),
//   - the END block and its footer against the blocks (count, sizes, trailer),
//   - the content size and the shape (product of dims x dtype width).
// An index is built from a complete buffer (a forward walk that sees every block
// header), from a read-at source (trailer first: header, END block, footer; a block's
// own header is checked against the index when its bytes are read), or block by block
// while streaming. Payloads are not looked at: that is the decoder's job.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "frame/format.hpp"

namespace z4ai {

class Source;

struct IndexedBlock {
    uint64_t offset = 0;          // of the block header, from the frame's first byte
    uint64_t content_offset = 0;  // first content byte it decodes to
    uint32_t stored_size = 0;     // block header + payload
    uint32_t decoded_size = 0;
    // Known when the block header was read while indexing (buffer, streaming);
    // a source-built index knows only the footer's sizes until the block is read.
    bool header_known = false;
    BlockHeader header;
    uint32_t dup_target = 0;  // DUP blocks with a known header
};

class FrameIndex {
   public:
    FrameHeader header;
    size_t header_bytes = 0;
    std::vector<IndexedBlock> blocks;  // data-carrying blocks, END excluded
    uint64_t content_size = 0;         // sum of the blocks' decoded sizes
    uint64_t frame_size = 0;           // including the END block (once complete)

    // Walks the frame at the start of src (trailing bytes are allowed; frame_size says
    // where it ends). Throws truncated when src ends inside the frame, corrupt (or
    // checksum for the header and footer check words) on any inconsistency.
    static FrameIndex from_buffer(Bytes src);
    // The frame occupying [frame_offset, frame_offset + frame_size) of src, read
    // trailer first: header, END block, footer. No block is read.
    static FrameIndex from_source(Source& src, uint64_t frame_offset, uint64_t frame_size);

    size_t block_header_bytes() const noexcept { return block_header_size(header.checksum); }
    // Index of the block holding content byte `offset` (offset < content_size).
    size_t block_at(uint64_t offset) const;
    // The one range rule of every read path: a range may start anywhere up to the end
    // of the content (param_out_of_bounds after it) and is clamped to that end.
    // Returns the clamped length.
    uint64_t clamp_range(uint64_t offset, uint64_t length) const;
    // The header of block i, given its stored bytes (stored_size of them). Checked
    // here against the index when the index did not read it (source-built);
    // frame_base is the frame's offset in its input, for error offsets.
    BlockHeader stored_header(size_t i, const uint8_t* stored, uint64_t frame_base) const;
    // The DUP target named by block i's stored bytes (an earlier block).
    uint32_t dup_target(size_t i, const uint8_t* stored, uint64_t frame_base) const;
    // Checks that target (whose stored bytes are given) is a kept DATA block of block
    // i's size; a no-op when the index read both headers (set_dup_target did it).
    void check_dup_target(size_t i, uint32_t target, const uint8_t* target_stored, uint64_t frame_base) const;

    // ---- building, block by block (from_buffer and the streaming decoder) ----
    void begin(const FrameHeader& h, size_t header_size);
    // Checks the header of the next block, at frame offset `at`, and appends it.
    void add_block(const BlockHeader& b, uint64_t at);
    // Checks a DUP block's target (its 4-byte payload) once the payload is read.
    void set_dup_target(size_t i, uint32_t target, uint64_t at);
    // Checks an END block header before its payload is read: a footer has exactly
    // the size the blocks so far call for, so nothing larger is ever gathered.
    void check_end_header(const BlockHeader& b, uint64_t at) const;
    // Checks the END payload (footer + trailer) against the blocks and the content
    // against the header (content size and shape); the frame ends after it.
    void finish(Bytes end_payload, uint64_t payload_at);
};

}  // namespace z4ai
