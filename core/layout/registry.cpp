#include <string>

#include "layout/layout.hpp"
#include "util/status.hpp"

namespace z4ai {

// Defined in each layout's folder.
extern const LayoutCodec kRawLayout, kPlanesLayout, kSparseLayout, kNarrowLayout, kScaledIntLayout,
    kPaletteLayout;

namespace {

// Indexed by the stable layout id; the planner tries them in this order, so the
// order is part of what makes frames reproducible (ties keep the earlier one).
const LayoutCodec* const kLayouts[kLayoutCount] = {&kRawLayout,    &kPlanesLayout,    &kSparseLayout,
                                                   &kNarrowLayout, &kScaledIntLayout, &kPaletteLayout};

}  // namespace

const LayoutCodec& layout_codec(Layout id) noexcept { return *kLayouts[static_cast<uint8_t>(id)]; }

const LayoutCodec* find_layout(uint8_t id) noexcept { return id < kLayoutCount ? kLayouts[id] : nullptr; }

const char* layout_name(uint8_t id) noexcept {
    const LayoutCodec* c = find_layout(id);
    return c ? c->name : "unknown";
}

const char* layout_param_name(uint8_t id, uint8_t param) noexcept {
    const LayoutCodec* c = find_layout(id);
    return c && c->param_name ? c->param_name(param) : nullptr;
}

void decode_layout_streams(const LayoutBlock& b, unsigned first, unsigned count, EntropyWorkspace& entropy,
                           uint8_t* dst) {
    for (unsigned i = first; i < first + count; ++i) {
        const StreamEntry& e = b.header.streams[i];
        decode_stream(e.backend, Bytes(b.stream_data[i], e.encoded_size), dst, e.decoded_size, entropy);
        dst += e.decoded_size;
    }
}

uint64_t layout_stream_total(const PayloadHeader& h, unsigned first, unsigned count) noexcept {
    uint64_t t = 0;
    for (unsigned i = first; i < first + count; ++i) t += h.streams[i].decoded_size;
    return t;
}

void require_layout_memory(uint64_t need, uint64_t max_memory) {
    if (need > max_memory)
        fail(Code::memory_limit, "block needs " + std::to_string(need) +
                                     " bytes of working memory, above the decoder limit of " +
                                     std::to_string(max_memory));
}

bool valid_element_width(unsigned w) noexcept { return w == 1 || w == 2 || w == 4 || w == 8; }

}  // namespace z4ai
