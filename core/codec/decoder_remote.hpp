// decoder_remote.hpp - range decoding of a frame that lives in a Source (a file
// or a read-at callback) without reading all of it: the header, the END block
// (whose footer indexes every block) and only the blocks overlapping the range,
// plus the DUP targets they name. Every size read is checked against the footer
// before it is used.
#pragma once
#include <cstdint>

#include "codec/config.hpp"
#include "util/source.hpp"

namespace z4ai {

// Decodes content bytes [offset, offset + length) of the frame occupying
// [frame_offset, frame_offset + frame_size) of src into dst. The range must lie
// inside the content (param_out_of_bounds otherwise). Returns length.
uint64_t decode_frame_range(Source& src, uint64_t frame_offset, uint64_t frame_size,
                            const DecodeConfig& config, uint64_t offset, uint64_t length, uint8_t* dst);

}  // namespace z4ai
