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
#include "util/byte_cursor.hpp"

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

struct DecodeTable;

// Incremental decoding, segment by segment, so a caller can consume each piece
// while it is still in cache (planes are merged block by block).
class Reader {
   public:
    // Parses the stream header; throws corrupt.
    Reader(Bytes encoded, size_t n);
    size_t segment_size() const { return size_t(1) << log_; }
    // Decodes the next `count` symbols: a multiple of segment_size(), or all
    // that remain. `table` is scratch (may be shared between readers).
    void next(uint8_t* dst, size_t count, DecodeTable& table);
    // Checks that every symbol was decoded and nothing follows the last segment.
    void finish() const;

    using Cursor = ByteCursor;

   private:
    Cursor cursor_;
    size_t total_;
    size_t done_ = 0;
    unsigned log_ = 0;
    bool bmi2_ = false;
};

// Length-limited Huffman code lengths (<= kMaxCodeLength) for 256 byte
// frequencies; len[s] = 0 for absent symbols. Needs >= 2 present symbols.
// The resulting code is complete (Kraft sum exactly 1).
void build_lengths(const uint32_t freq[256], uint8_t len[256]);

// Decoder table: 2^11 entries; byte 0 = bits consumed (first in the word so a
// shift by the entry needs no extraction: it is the loop's critical path),
// bytes 1..6 = up to six decoded symbols, byte 7 = symbol count. `first` gives the first
// symbol alone: low byte symbol, high byte its length (0 = invalid code).
struct DecodeTable {
    alignas(64) uint64_t multi[1u << kMaxCodeLength];
    uint16_t first[1u << kMaxCodeLength];
    uint64_t levels[1u << kMaxCodeLength];  // build scratch: tables for 0..10 bits
};
// Builds the table from code lengths (symbols with len > 0). Returns false when
// the code is not complete (Kraft sum != 1) or a length exceeds 11.
bool build_decode_table(const uint8_t len[256], DecodeTable& table);

}  // namespace z4ai::huffman
