// histogram.hpp - byte counts of a buffer. Eight sub-histograms, so runs of
// equal bytes (common in exponent planes) hit different counters and the
// increments do not wait on each other.
#pragma once
#include <cstddef>
#include <cstdint>

namespace z4ai {

void byte_histogram(const uint8_t* p, size_t n, uint32_t freq[256]) noexcept;

}  // namespace z4ai
