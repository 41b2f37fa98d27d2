// huffman_build.cpp - code lengths (length-limited Huffman) and the
// multi-symbol decode table. Both run once per 64 KiB segment, so they are
// written to cost a few microseconds, not to be clever.
#include <algorithm>
#include <cstring>

#include "entropy/huffman/huffman.hpp"

namespace z4ai::huffman {
namespace {

constexpr unsigned L = kMaxCodeLength;
constexpr unsigned kMaxSymbolsPerEntry = 6;

inline uint64_t make_entry(uint64_t symbols, unsigned count, unsigned bits) {
    return bits | (symbols << 8) | (uint64_t(count) << 56);
}

struct Builder {
    DecodeTable* t;
    // Present symbols in canonical order (length, then symbol value).
    uint8_t sym[256];
    uint8_t len[256];
    unsigned count = 0;
    unsigned min_len = L;

    // Fills `size = 2^r` entries at `base`, all of which start with `prefix`
    // (nsyms symbols, nbits bits); the next code occupies the top r bits.
    void fill(uint64_t* base, unsigned r, uint64_t prefix, unsigned nsyms, unsigned nbits, bool top) {
        size_t off = 0;
        for (unsigned i = 0; i < count && len[i] <= r; ++i) {
            const unsigned l = len[i];
            const size_t size = size_t(1) << (r - l);
            const uint64_t p2 = prefix | (uint64_t(sym[i]) << (8 * nsyms));
            const unsigned ns = nsyms + 1, nb = nbits + l;
            uint64_t* sub = base + off;
            if (ns == kMaxSymbolsPerEntry || r - l < min_len) {
                const uint64_t e = make_entry(p2, ns, nb);
                for (size_t k = 0; k < size; ++k) sub[k] = e;
            } else {
                fill(sub, r - l, p2, ns, nb, false);
            }
            if (top) {
                const uint16_t f = static_cast<uint16_t>(sym[i] | (l << 8));
                for (size_t k = 0; k < size; ++k) t->first[off + k] = f;
            }
            off += size;
        }
        const size_t total = size_t(1) << r;
        // Codes no symbol uses (only in incomplete codes): consume the whole
        // window and emit nothing; the tail decoder reports them as corrupt.
        const uint64_t rest = nsyms ? make_entry(prefix, nsyms, nbits) : make_entry(0, 0, L);
        for (size_t k = off; k < total; ++k) base[k] = rest;
        if (top)
            for (size_t k = off; k < total; ++k) t->first[k] = 0;
    }
};

// Bottom-up build when every code is >= 2 bits (so an entry never holds more
// than 5 symbols and the cap is never hit). Level r (r-bit windows) is, for each
// symbol s of length l <= r in canonical order, s followed by level r-l; the
// inner loops are straight element-wise transforms the compiler vectorises.
void build_levels(const Builder& b, DecodeTable& t) {
    uint64_t* const lv = t.levels;  // level r at lv + 2^r - 1 (r = 0..10)
    lv[0] = 0;
    for (unsigned r = 1; r <= L; ++r) {
        uint64_t* dst = r == L ? t.multi : lv + (size_t(1) << r) - 1;
        size_t off = 0;
        for (unsigned i = 0; i < b.count && b.len[i] <= r; ++i) {
            const unsigned l = b.len[i];
            const size_t n = size_t(1) << (r - l);
            const uint64_t* src = lv + n - 1;
            const uint64_t c = l | (uint64_t(b.sym[i]) << 8) | (uint64_t(1) << 56);
            uint64_t* d = dst + off;
            for (size_t k = 0; k < n; ++k) {
                const uint64_t e = src[k];
                d[k] = (((e << 8) & 0x00FFFFFFFFFF0000ull) | (e & 0xFF000000000000FFull)) + c;
            }
            if (r == L) {
                const uint16_t f = static_cast<uint16_t>(b.sym[i] | (l << 8));
                for (size_t k = 0; k < n; ++k) t.first[off + k] = f;
            }
            off += n;
        }
        const size_t total = size_t(1) << r;
        const uint64_t rest = r == L ? make_entry(0, 0, L) : 0;
        for (size_t k = off; k < total; ++k) dst[k] = rest;
        if (r == L)
            for (size_t k = off; k < total; ++k) t.first[k] = 0;
    }
}

}  // namespace

bool build_decode_table(const uint8_t lengths[256], DecodeTable& table) {
    Builder b;
    b.t = &table;
    unsigned per_len[L + 1] = {};
    for (unsigned s = 0; s < 256; ++s) {
        if (lengths[s] > L) return false;
        ++per_len[lengths[s]];
    }
    uint32_t kraft = 0;
    unsigned start[L + 2] = {};
    for (unsigned l = 1; l <= L; ++l) {
        kraft += per_len[l] << (L - l);
        start[l + 1] = start[l] + per_len[l];
    }
    if (kraft != (1u << L)) return false;  // only complete codes: every pattern decodes
    for (unsigned s = 0; s < 256; ++s) {
        const unsigned l = lengths[s];
        if (!l) continue;
        unsigned at = start[l]++;
        b.sym[at] = static_cast<uint8_t>(s);
        b.len[at] = static_cast<uint8_t>(l);
        ++b.count;
        if (l < b.min_len) b.min_len = l;
    }
    if (b.min_len >= 2)
        build_levels(b, table);
    else
        b.fill(table.multi, L, 0, 0, 0, true);
    return true;
}

void build_lengths(const uint32_t freq[256], uint8_t out[256]) {
    std::memset(out, 0, 256);
    // Leaves sorted by ascending frequency (ties by symbol: deterministic).
    uint16_t order[256];
    unsigned n = 0;
    for (unsigned s = 0; s < 256; ++s)
        if (freq[s]) order[n++] = static_cast<uint16_t>(s);
    if (n < 2) {
        if (n == 1) out[order[0]] = 1;
        return;
    }
    std::sort(order, order + n,
              [&](uint16_t a, uint16_t b) { return freq[a] != freq[b] ? freq[a] < freq[b] : a < b; });
    // Two-queue Huffman: leaves in `order`, internal nodes created in
    // non-decreasing weight order.
    uint64_t iw[256];
    uint16_t leaf_parent[256], int_parent[256];
    unsigned li = 0, ii = 0, made = 0;
    auto take = [&](uint64_t* w, bool* is_leaf, unsigned* index) {
        if (li < n && (ii >= made || freq[order[li]] <= iw[ii])) {
            *w = freq[order[li]];
            *is_leaf = true;
            *index = li++;
        } else {
            *w = iw[ii];
            *is_leaf = false;
            *index = ii++;
        }
    };
    for (unsigned k = 0; k + 1 < n; ++k) {
        uint64_t w1, w2;
        bool l1, l2;
        unsigned x1, x2;
        take(&w1, &l1, &x1);
        take(&w2, &l2, &x2);
        iw[made] = w1 + w2;
        (l1 ? leaf_parent[x1] : int_parent[x1]) = static_cast<uint16_t>(made);
        (l2 ? leaf_parent[x2] : int_parent[x2]) = static_cast<uint16_t>(made);
        ++made;
    }
    uint8_t depth[256];
    depth[made - 1] = 0;
    for (int k = int(made) - 2; k >= 0; --k) depth[k] = static_cast<uint8_t>(depth[int_parent[k]] + 1);
    unsigned lens[256];
    unsigned max_len = 0;
    for (unsigned i = 0; i < n; ++i) {
        lens[i] = depth[leaf_parent[i]] + 1u;
        max_len = std::max(max_len, lens[i]);
    }
    if (max_len > L) {
        // Clamp, then repay the Kraft overdraft (units of 2^-L) by lengthening
        // the rarest symbols, then spend any slack on the most frequent ones.
        int64_t kraft = 0;
        for (unsigned i = 0; i < n; ++i) {
            lens[i] = std::min(lens[i], L);
            kraft += int64_t(1) << (L - lens[i]);
        }
        int64_t debt = kraft - (int64_t(1) << L);
        while (debt > 0) {
            bool progressed = false;
            for (unsigned i = 0; i < n && debt > 0; ++i)  // rarest first
                while (lens[i] < L && (int64_t(1) << (L - lens[i] - 1)) <= debt) {
                    debt -= int64_t(1) << (L - lens[i] - 1);
                    ++lens[i];
                    progressed = true;
                }
            if (debt > 0 && !progressed) {
                // Only short codes left below L: overpay with the longest one.
                unsigned pick = n;
                for (unsigned i = 0; i < n; ++i)
                    if (lens[i] < L && (pick == n || lens[i] > lens[pick])) pick = i;
                debt -= int64_t(1) << (L - lens[pick] - 1);
                ++lens[pick];
            }
        }
        int64_t slack = -debt;
        while (slack > 0) {
            unsigned pick = n;
            for (int i = int(n) - 1; i >= 0; --i)  // most frequent first
                if (lens[i] > 1 && (int64_t(1) << (L - lens[i])) <= slack) {
                    pick = unsigned(i);
                    break;
                }
            if (pick == n) break;  // cannot happen for a valid code; stay incomplete
            slack -= int64_t(1) << (L - lens[pick]);
            --lens[pick];
        }
    }
    for (unsigned i = 0; i < n; ++i) out[order[i]] = static_cast<uint8_t>(lens[i]);
}

}  // namespace z4ai::huffman
