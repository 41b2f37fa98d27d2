// fastx.hpp - backend 5: a multi-level fixed-width escape code for byte streams
// such as a float's exponent plane, built for decode speed (the `fast` tier;
// format in docs/FORMAT.md, "Backend 5"). Per segment (64 KiB by default) the
// encoder picks up to 4 levels of 1-6 bit codes: level i names the next
// 2^w_i - 1 most frequent bytes, its all-ones code escapes to level i + 1, and
// the last level escapes to a raw byte (e.g. 2,2,2,3 bits on bf16 exponents).
// Every code has a fixed width, so a decoder unpacks 64 codes with a few SIMD
// instructions and fills escapes with one expand-load per level: no bit-serial
// loop. On trained bf16 exponents this costs ~0.5-1.5% of ratio against Huffman.
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/buffer.hpp"

namespace z4ai::fastx {

constexpr unsigned kDefaultSegmentLog = 16;
constexpr unsigned kMinSegmentLog = 12;
constexpr unsigned kMaxSegmentLog = 20;
constexpr unsigned kMaxLevels = 4;
constexpr unsigned kMaxWidth = 6;  // bits per code (fp16's high byte wants 5)

// Appends the encoding of `in` (segments of 2^segment_log bytes) to out. With
// `order0_bytes`, also returns the sum of the segments' order-0 entropies in
// bytes (what a per-segment entropy coder could reach), from the same histograms.
void encode(Bytes in, unsigned segment_log, Buffer& out, double* order0_bytes = nullptr);
// Exact encoded size encode() would produce (no output written).
size_t encoded_size(Bytes in, unsigned segment_log);
// Decodes exactly n bytes into dst. Throws Error(corrupt) on malformed input;
// never reads outside `encoded` nor writes outside [dst, dst + n).
void decode(Bytes encoded, uint8_t* dst, size_t n);

// Incremental decoding so a caller can merge each piece while it is in L1.
class Reader {
   public:
    // Parses the stream header; throws corrupt.
    Reader(Bytes encoded, size_t n);
    // Decodes the next `count` symbols: a multiple of kGranule, or all that remain.
    void next(uint8_t* dst, size_t count);
    // Checks that every symbol was decoded and nothing follows the last segment.
    void finish() const;
    static constexpr size_t kGranule = 64;

    struct Cursor {
        const uint8_t* p;
        size_t left;
        const uint8_t* take(size_t n);
    };

   private:
    void open_segment();
    void close_segment();

    Cursor cursor_;
    size_t total_;
    size_t done_ = 0;
    unsigned log_ = 0;
    uint8_t path_ = 0;  // decoder kernel (fastx_decode.cpp's Path)
    // The open segment: its length, how far level 1 got, and its escape fill.
    uint8_t mode_ = 0;
    size_t seg_n_ = 0, seg_done_ = 0;
    const uint8_t* codes_ = nullptr;  // level-1 codes (mode 2) or the raw bytes (mode 0)
    unsigned width_ = 0;              // level-1 code width
    alignas(64) uint8_t table_[64] = {};
    uint8_t rle_ = 0;
    size_t escapes_ = 0, escapes_used_ = 0;
    const uint8_t* level1_escapes_ = nullptr;  // level 1's escape source
    Buffer raw_;                               // the segment's raw bytes (+ 64 bytes of slack)
    Buffer deeper_[2];                         // decoded escapes of levels 2.. (+ slack), ping-pong
};

}  // namespace z4ai::fastx
