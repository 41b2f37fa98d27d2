// find_repeats.hpp - finds long repeated byte ranges at any (element-aligned) offset,
// e.g. a tied embedding stored twice, so the encoder can cut blocks at the same
// relative positions in both copies and store the second one as DUP blocks. The
// plain chunk grid only catches copies whose distance is a multiple of the chunk
// size.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/buffer.hpp"

namespace z4ai {

struct Repeat {
    uint64_t first;   // offset of the earlier copy
    uint64_t second;  // offset of the later copy (first + length <= second)
    uint64_t length;
};

// Repeats at least `min_length` long (and never overlapping each other), found
// with a rolling hash over `width`-byte elements; in increasing `second` order.
std::vector<Repeat> find_repeats(Bytes src, unsigned width, uint64_t min_length);

// Block start offsets for `src`: the chunk grid, restarted at both ends of every
// repeat's copies so their blocks line up. Always starts with 0 (for non-empty src).
std::vector<uint64_t> block_starts(uint64_t size, uint64_t chunk, const std::vector<Repeat>& repeats);

}  // namespace z4ai
