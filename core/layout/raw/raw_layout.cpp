// raw_layout.cpp - layout 0: the chunk as one stream (docs/FORMAT.md, "Layouts").
// The planner also writes it, stored, as the bound every payload stays under.
#include "layout/layout.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

void propose_raw(const LayoutTrial& t, LayoutScratch&, const LayoutEmit& emit) {
    LayoutStream s{t.data.data(), t.data.size()};
    emit(0, &s, 1);
}

void decode_raw(const LayoutBlock& b, DecodeWorkspace& ws, uint8_t* dst) {
    const PayloadHeader& h = b.header;
    if (h.stream_count != 1 || h.layout_param != 0 || h.streams[0].decoded_size != b.size)
        fail_corrupt("raw layout stream table is inconsistent", b.payload_offset);
    decode_layout_streams(b, 0, 1, ws.entropy, dst);
}

}  // namespace

extern const LayoutCodec kRawLayout{Layout::raw, "raw", propose_raw, decode_raw, nullptr};

}  // namespace z4ai
