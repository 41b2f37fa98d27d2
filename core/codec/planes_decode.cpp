#include "codec/planes_decode.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "entropy/huffman/huffman.hpp"
#include "transform/planes.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

constexpr size_t kBlock = size_t(1) << 16;  // elements per merge block

}  // namespace

bool decode_planes_fused(const PayloadHeader& h, const uint8_t* const* stream_data, size_t elements,
                         unsigned w, bool rotate, DecodeWorkspace& ws, uint8_t* dst) {
    bool any_huffman = false;
    for (unsigned k = 0; k < w; ++k) {
        const uint8_t b = h.streams[k].backend;
        if (b == static_cast<uint8_t>(BackendId::huffman))
            any_huffman = true;
        else if (b != static_cast<uint8_t>(BackendId::stored) &&
                 b != static_cast<uint8_t>(BackendId::constant))
            return false;
    }
    if (!any_huffman || elements == 0) return false;

    ws.streams.resize(elements * w);
    const uint8_t* planes[8];
    std::optional<huffman::Reader> readers[8];
    size_t block = kBlock;
    for (unsigned k = 0; k < w; ++k) {
        const StreamEntry& e = h.streams[k];
        uint8_t* own = ws.streams.data() + k * elements;
        switch (static_cast<BackendId>(e.backend)) {
            case BackendId::stored:
                if (e.encoded_size != elements) fail(Code::corrupt, "stored stream size mismatch");
                planes[k] = stream_data[k];  // merged straight from the payload
                break;
            case BackendId::constant:
                if (e.encoded_size != 1) fail(Code::corrupt, "constant stream must be one byte");
                std::memset(own, stream_data[k][0], elements);
                planes[k] = own;
                break;
            default:
                readers[k].emplace(Bytes(stream_data[k], e.encoded_size), elements);
                block = std::max(block, readers[k]->segment_size());
                planes[k] = own;
                break;
        }
    }
    huffman::DecodeTable table;
    for (size_t off = 0; off < elements; off += block) {
        const size_t n = std::min(block, elements - off);
        const uint8_t* at[8];
        for (unsigned k = 0; k < w; ++k) {
            if (readers[k]) readers[k]->next(ws.streams.data() + k * elements + off, n, table);
            at[k] = planes[k] + off;
        }
        merge_planes(at, n, w, rotate, dst + off * w);
    }
    for (unsigned k = 0; k < w; ++k)
        if (readers[k]) readers[k]->finish();
    return true;
}

}  // namespace z4ai
