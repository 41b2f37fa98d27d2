#include "layout/planes/planes_fused_decode.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "entropy/fastx/fastx.hpp"
#include "entropy/huffman/huffman.hpp"
#include "transform/planes.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

constexpr size_t kBlock = size_t(1) << 16;  // elements per merge block (Huffman planes)
// With only escape-coded (fastx) planes the decoder can stop anywhere on a
// 64-symbol step, so blocks are kept small enough that a decoded plane block is
// merged straight out of L1.
constexpr size_t kFastxBlock = size_t(1) << 12;

}  // namespace

bool decode_planes_fused(const PayloadHeader& h, const uint8_t* const* stream_data, size_t elements,
                         unsigned w, bool rotate, DecodeWorkspace& ws, uint8_t* dst, ContentChecksum* sum) {
    bool any_huffman = false, any_fastx = false;
    for (unsigned k = 0; k < w; ++k) {
        const uint8_t b = h.streams[k].backend;
        if (b == static_cast<uint8_t>(BackendId::huffman))
            any_huffman = true;
        else if (b == static_cast<uint8_t>(BackendId::fastx))
            any_fastx = true;
        else if (b != static_cast<uint8_t>(BackendId::stored) &&
                 b != static_cast<uint8_t>(BackendId::constant))
            return false;
    }
    if (!(any_huffman || any_fastx) || elements == 0) return false;

    // Huffman planes decode whole segments into plane-sized scratch; without them
    // each decoded plane reuses one small block of scratch (stays in L1).
    const size_t block = any_huffman ? kBlock : std::min(kFastxBlock, elements);
    const bool reuse = !any_huffman;
    const size_t stride = reuse ? block : elements;
    ws.streams.resize(stride * w);
    const uint8_t* planes[8];
    bool advance[8];
    std::optional<huffman::Reader> huffman_readers[8];
    std::optional<fastx::Reader> fastx_readers[8];
    size_t step = block;  // grows to the largest Huffman segment
    for (unsigned k = 0; k < w; ++k) {
        const StreamEntry& e = h.streams[k];
        uint8_t* own = ws.streams.data() + k * stride;
        planes[k] = own;
        advance[k] = !reuse;
        switch (static_cast<BackendId>(e.backend)) {
            case BackendId::stored:
                if (e.encoded_size != elements) fail(Code::corrupt, "stored stream size mismatch");
                planes[k] = stream_data[k];  // merged straight from the payload
                advance[k] = true;
                break;
            case BackendId::constant:
                if (e.encoded_size != 1) fail(Code::corrupt, "constant stream must be one byte");
                std::memset(own, stream_data[k][0], stride);
                break;
            case BackendId::fastx:
                fastx_readers[k].emplace(Bytes(stream_data[k], e.encoded_size), elements);
                break;
            default:
                huffman_readers[k].emplace(Bytes(stream_data[k], e.encoded_size), elements);
                step = std::max(step, huffman_readers[k]->segment_size());
                break;
        }
    }
    huffman::DecodeTable table;
    for (size_t off = 0; off < elements; off += step) {
        const size_t n = std::min(step, elements - off);
        const uint8_t* at[8];
        for (unsigned k = 0; k < w; ++k) {
            uint8_t* own = ws.streams.data() + k * stride + (reuse ? 0 : off);
            if (huffman_readers[k]) huffman_readers[k]->next(own, n, table);
            if (fastx_readers[k]) fastx_readers[k]->next(own, n);
            at[k] = planes[k] + (advance[k] ? off : 0);
        }
        merge_planes(at, n, w, rotate, dst + off * w);
        if (sum) sum->feed(dst, (off + n) * w);
    }
    for (unsigned k = 0; k < w; ++k) {
        if (huffman_readers[k]) huffman_readers[k]->finish();
        if (fastx_readers[k]) fastx_readers[k]->finish();
    }
    return true;
}

}  // namespace z4ai
