#include "transform/palette.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "util/status.hpp"

namespace z4ai {
namespace {

inline uint64_t load_word(const uint8_t* p, unsigned w) noexcept {
    uint64_t v = 0;
    std::memcpy(&v, p, w);  // little-endian hosts (checked at build time elsewhere)
    return v;
}

// Open-addressing set of at most kPaletteMax + 1 words.
struct WordSet {
    static constexpr size_t kSlots = 1024;
    uint64_t keys[kSlots];
    uint16_t index[kSlots];
    bool used[kSlots];
    size_t size = 0;

    WordSet() { std::memset(used, 0, sizeof used); }
    static size_t slot_of(uint64_t k) noexcept { return (k * 0x9E3779B97F4A7C15ull) >> 54; }
    // Returns the slot of k, inserting it when absent.
    size_t insert(uint64_t k) noexcept {
        size_t s = slot_of(k);
        while (used[s] && keys[s] != k) s = (s + 1) & (kSlots - 1);
        if (!used[s]) {
            used[s] = true;
            keys[s] = k;
            ++size;
        }
        return s;
    }
};

// Counts distinct words in [0, n), stopping past kPaletteMax.
bool collect(const uint8_t* in, size_t n, unsigned w, WordSet& set) noexcept {
    uint64_t last = 0;
    bool have_last = false;
    for (size_t i = 0; i < n; ++i) {
        uint64_t k = load_word(in + w * i, w);
        if (have_last && k == last) continue;
        last = k;
        have_last = true;
        set.insert(k);
        if (set.size > kPaletteMax) return false;
    }
    return true;
}

}  // namespace

unsigned palette_bits_for(size_t count) noexcept {
    if (count <= 2) return 1;
    if (count <= 4) return 2;
    if (count <= 16) return 4;
    return 8;
}

bool palette_split(const uint8_t* in, size_t elements, unsigned w, PaletteStreams& out) {
    if (elements == 0) return false;
    auto set = std::make_unique<WordSet>();
    size_t sample = std::min<size_t>(elements, 4096);
    if (!collect(in, sample, w, *set)) return false;
    if (!collect(in + w * sample, elements - sample, w, *set)) return false;

    // Canonical codebook: ascending words.
    uint64_t words[kPaletteMax];
    size_t count = 0;
    for (size_t s = 0; s < WordSet::kSlots; ++s)
        if (set->used[s]) words[count++] = set->keys[s];
    std::sort(words, words + count);
    for (size_t j = 0; j < count; ++j) set->index[set->insert(words[j])] = static_cast<uint16_t>(j);

    out.count = count;
    out.bits = palette_bits_for(count);
    out.codebook.resize(count * w);
    for (size_t j = 0; j < count; ++j) std::memcpy(out.codebook.data() + j * w, &words[j], w);
    const unsigned bits = out.bits;
    size_t bytes = (elements * bits + 7) / 8;
    out.indices.resize(bytes);
    std::memset(out.indices.data(), 0, bytes);
    uint8_t* idx = out.indices.data();
    for (size_t i = 0; i < elements; ++i) {
        unsigned k = set->index[set->insert(load_word(in + w * i, w))];
        size_t bit = i * bits;
        idx[bit >> 3] |= static_cast<uint8_t>(k << (bit & 7));
    }
    return true;
}

void palette_merge(Bytes codebook, Bytes indices, unsigned bits, size_t elements, unsigned w, uint8_t* out,
                   uint64_t offset) {
    if (codebook.size() % w || codebook.empty())
        fail_corrupt("palette codebook is not whole elements", offset);
    size_t count = codebook.size() / w;
    if (count > (size_t(1) << bits)) fail_corrupt("palette codebook larger than its index width", offset);
    for (size_t j = 1; j < count; ++j)
        if (load_word(codebook.data() + j * w, w) <= load_word(codebook.data() + (j - 1) * w, w))
            fail_corrupt("palette codebook is not strictly increasing", offset);
    if (indices.size() != (elements * bits + 7) / 8)
        fail_corrupt("palette index stream size is wrong", offset);
    const unsigned mask = (1u << bits) - 1;
    const uint8_t* idx = indices.data();
    for (size_t i = 0; i < elements; ++i) {
        size_t bit = i * bits;
        unsigned k = (idx[bit >> 3] >> (bit & 7)) & mask;
        if (k >= count) fail_corrupt("palette index out of range", offset);
        std::memcpy(out + w * i, codebook.data() + k * w, w);
    }
    size_t used_bits = elements * bits;
    if (used_bits & 7) {
        if (idx[used_bits >> 3] >> (used_bits & 7)) fail_corrupt("palette padding bits are not zero", offset);
    }
}

}  // namespace z4ai
