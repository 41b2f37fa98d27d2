#include "util/histogram.hpp"

#include "util/le.hpp"

namespace z4ai {

void byte_histogram(const uint8_t* p, size_t n, uint32_t freq[256]) noexcept {
    uint32_t h[8][256] = {};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const uint64_t w = load_u64(p + i);
        ++h[0][w & 0xFF];
        ++h[1][(w >> 8) & 0xFF];
        ++h[2][(w >> 16) & 0xFF];
        ++h[3][(w >> 24) & 0xFF];
        ++h[4][(w >> 32) & 0xFF];
        ++h[5][(w >> 40) & 0xFF];
        ++h[6][(w >> 48) & 0xFF];
        ++h[7][w >> 56];
    }
    for (; i < n; ++i) ++h[0][p[i]];
    for (unsigned s = 0; s < 256; ++s)
        freq[s] = h[0][s] + h[1][s] + h[2][s] + h[3][s] + h[4][s] + h[5][s] + h[6][s] + h[7][s];
}

}  // namespace z4ai
