// huffman.hpp - backend 4: segmented, 4-stream canonical Huffman for byte
// streams such as a float's exponent plane (format in docs/FORMAT.md,
// "Backend 4"). The stream is cut into segments (64 KiB by default), each with
// its own code (statistics adapt locally), each split into 4 interleaved
// bitstreams decoded together with a table that yields up to 6 symbols per
// lookup. Code lengths are limited to 11 bits so the table stays in L1.
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/buffer.hpp"

namespace z4ai::huffman {

constexpr unsigned kMaxCodeLength = 11;  // table log
constexpr unsigned kDefaultSegmentLog = 16;
constexpr unsigned kMinSegmentLog = 12;
constexpr unsigned kMaxSegmentLog = 17;  // keeps every bitstream below 64 KiB (u16 sizes)

// Appends the encoding of `in` (segments of 2^segment_log bytes) to out.
void encode(Bytes in, unsigned segment_log, Buffer& out);
// Decodes exactly n bytes into dst. Throws Error(corrupt) on any malformed input;
// never reads outside `encoded` nor writes outside [dst, dst + n).
void decode(Bytes encoded, uint8_t* dst, size_t n);

// ---- internals shared by the encoder, decoder and tests ----

// Length-limited Huffman code lengths (<= kMaxCodeLength) for 256 byte
// frequencies; len[s] = 0 for absent symbols. Needs >= 2 present symbols.
// The resulting code is complete (Kraft sum exactly 1).
void build_lengths(const uint32_t freq[256], uint8_t len[256]);

// Decoder table: 2^11 entries; bytes 0..5 = up to six decoded symbols,
// byte 6 = symbol count, byte 7 = bits consumed. `first` gives the first
// symbol alone: low byte symbol, high byte its length (0 = invalid code).
struct DecodeTable {
    alignas(64) uint64_t multi[1u << kMaxCodeLength];
    uint16_t first[1u << kMaxCodeLength];
};
// Builds the table from code lengths (symbols with len > 0). Returns false when
// the lengths over-subscribe the code space (Kraft sum > 1) or exceed 11.
bool build_decode_table(const uint8_t len[256], DecodeTable& table);

}  // namespace z4ai::huffman
