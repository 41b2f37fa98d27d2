// scaled.hpp - layout 4 "scaled-int": values that are small integers times a
// per-segment scale, rounded to the container (int8/int4 weights quantized per
// output channel or per group, then dequantized into fp16/bf16/fp32). A chunk is
// cut into segments (typically one per row or group); a scaled segment stores an
// fp32 scale s and one int8 q per element, and the decoder re-derives each value
// as container(binary32(q * s)) bit-exactly. Elements the model does not
// reproduce go to an exception list; unstructured runs are raw segments.
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/buffer.hpp"

namespace z4ai {

enum class ScaledContainer : uint8_t { fp16 = 1, bf16 = 2, fp32 = 3 };

bool scaled_container_valid(uint8_t c) noexcept;
unsigned scaled_width(ScaledContainer c) noexcept;  // 2 or 4
const char* scaled_container_name(ScaledContainer c) noexcept;

// container(binary32(float(q) * scale)): the decoder's rule, also used to verify.
uint32_t scaled_value(int q, uint32_t scale_bits, ScaledContainer c) noexcept;

struct ScaledStreams {
    Buffer lengths;  // LEB128 segment lengths (elements), each >= 1, summing to the element count
    Buffer scales;   // 4 x segments bytes, plane-major: byte k of scale j at k * segments + j; 0 = raw
                     // segment; sign bit set: q = -128 stands for -0.0 in this segment
    Buffer q;        // one int8 per element of the scaled segments (exceptions hold 0)
    Buffer index;    // exception positions (exception_list.hpp), inside scaled segments
    Buffer raw;      // raw-segment elements and exceptions, in element order, container width each
    size_t segments = 0;
    size_t scaled_elements = 0;
    size_t raw_count = 0;
    size_t exceptions = 0;
};

// Analyses the chunk (a cheap sample first) and, when it looks like scaled
// integers, fills `out` and returns true.
bool scaled_split(const uint8_t* in, size_t elements, ScaledContainer c, ScaledStreams& out);

// Inverse of scaled_split. `raw` holds raw_count elements of container width.
// Throws corrupt on any inconsistency (lengths not summing to `elements`, bad
// scale bits, stream sizes, exception positions outside scaled segments).
void scaled_merge(Bytes lengths, Bytes scales, Bytes q, Bytes index, Bytes raw, size_t elements,
                  ScaledContainer c, uint8_t* out, uint64_t offset);

// Number of segments described by a lengths stream (validates it: each >= 1, sum == elements).
size_t scaled_count_segments(Bytes lengths, size_t elements, uint64_t offset);

}  // namespace z4ai
