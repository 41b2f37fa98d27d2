#include "codec/find_repeats.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace z4ai {
namespace {

constexpr uint64_t kBase = 0x9E3779B97F4A7C15ull;  // odd multiplier, arithmetic mod 2^64

inline uint64_t symbol(const uint8_t* p, unsigned w) {
    uint64_t v = 0;
    std::memcpy(&v, p, w);
    return v * 0xD6E8FEB86659FD93ull + 1;  // spread small words
}

}  // namespace

std::vector<Repeat> find_repeats(Bytes src, unsigned width, uint64_t min_length) {
    std::vector<Repeat> out;
    const unsigned w = width == 2 || width == 4 || width == 8 ? width : 1;
    const size_t window_bytes = 4096;
    const size_t k = window_bytes / w;  // symbols per window
    const size_t n = src.size();
    if (n < 2 * min_length || min_length < 2 * window_bytes) return out;
    const uint8_t* p = src.data();

    // Index: hash of every window-aligned window, first occurrence kept.
    uint64_t pow = 1;
    for (size_t i = 0; i < k; ++i) pow *= kBase;
    std::unordered_map<uint64_t, uint64_t> first;
    first.reserve(n / window_bytes + 1);
    std::vector<uint64_t> filter((1u << 20) / 64 + 1, 0);  // 2^20-bit presence filter
    for (size_t at = 0; at + window_bytes <= n; at += window_bytes) {
        uint64_t h = 0;
        for (size_t i = 0; i < k; ++i) h = h * kBase + symbol(p + at + i * w, w);
        if (first.emplace(h, at).second) filter[(h >> 44) / 64] |= uint64_t(1) << ((h >> 44) % 64);
    }

    // Scan every element offset with a rolling hash.
    size_t q = 0;
    uint64_t h = 0;
    size_t filled = 0;  // symbols in the current window
    while (q + (k - filled) * w <= n) {
        while (filled < k) {
            h = h * kBase + symbol(p + q + filled * w, w);
            ++filled;
        }
        // window [q, q + window_bytes)
        uint64_t bit = h >> 44;
        if (filter[bit / 64] >> (bit % 64) & 1) {
            auto it = first.find(h);
            if (it != first.end() && it->second + window_bytes <= q &&
                std::memcmp(p + it->second, p + q, window_bytes) == 0) {
                uint64_t a = it->second, b = q;
                // The copy starts at most one window before the first matching one.
                const uint64_t prev_end = out.empty() ? 0 : out.back().second + out.back().length;
                const uint64_t back_limit = std::min<uint64_t>({window_bytes, a, b - prev_end});
                uint64_t back = 0;
                while (back + w <= back_limit && std::memcmp(p + a - back - w, p + b - back - w, w) == 0)
                    back += w;
                a -= back;
                b -= back;
                uint64_t len = back + window_bytes;
                const uint64_t max_len = std::min<uint64_t>(b - a, n - b);
                while (len + window_bytes <= max_len &&
                       std::memcmp(p + a + len, p + b + len, window_bytes) == 0)
                    len += window_bytes;
                while (len + w <= max_len && std::memcmp(p + a + len, p + b + len, w) == 0) len += w;
                if (len >= min_length) out.push_back({a, b, len});
                // Skip what was compared either way: keeps the scan linear on
                // self-similar data (long zero runs).
                q = b + len;
                filled = 0;
                h = 0;
                continue;
            }
        }
        if (q + k * w + w > n) break;
        h = h * kBase + symbol(p + q + k * w, w) - pow * symbol(p + q, w);
        q += w;
    }
    return out;
}

std::vector<uint64_t> block_starts(uint64_t size, uint64_t chunk, const std::vector<Repeat>& repeats) {
    std::vector<uint64_t> cuts{0};
    for (const Repeat& r : repeats) {
        for (uint64_t c : {r.first, r.first + r.length, r.second, r.second + r.length})
            if (c > 0 && c < size) cuts.push_back(c);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::vector<uint64_t> starts;
    for (size_t i = 0; i < cuts.size(); ++i) {
        uint64_t end = i + 1 < cuts.size() ? cuts[i + 1] : size;
        for (uint64_t at = cuts[i]; at < end; at += chunk) starts.push_back(at);
    }
    if (size == 0) starts.clear();
    return starts;
}

}  // namespace z4ai
