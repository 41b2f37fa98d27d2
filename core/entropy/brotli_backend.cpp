#include "entropy/brotli_backend.hpp"

#include <brotli/decode.h>
#include <brotli/encode.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <new>
#include <vector>

#include "util/status.hpp"

namespace z4ai {

namespace {

// libbrotlienc 1.0.x calls exit() when its allocator returns NULL. So the encoder
// gets an allocator that never returns NULL: it records every block and throws
// std::bad_alloc instead, and the caller frees whatever the abandoned encoder
// still held (the library is built with unwind tables, so the throw crosses it).
struct BrotliArena {
    std::vector<void*> live;
    ~BrotliArena() {
        for (void* p : live) std::free(p);
    }
};

void* arena_alloc(void* opaque, size_t n) {
    auto* a = static_cast<BrotliArena*>(opaque);
    a->live.reserve(a->live.size() + 1);  // may throw std::bad_alloc: fine
    void* p = std::malloc(n ? n : 1);
    if (!p) throw std::bad_alloc();
    a->live.push_back(p);
    return p;
}

void arena_free(void* opaque, void* p) {
    if (!p) return;
    auto* a = static_cast<BrotliArena*>(opaque);
    for (size_t i = a->live.size(); i-- > 0;)
        if (a->live[i] == p) {
            a->live[i] = a->live.back();
            a->live.pop_back();
            break;
        }
    std::free(p);
}

}  // namespace

void brotli_encode(Bytes in, const LzOptions& options, Buffer& out) {
    size_t bound = BrotliEncoderMaxCompressedSize(in.size());
    if (bound == 0) bound = in.size() + 1024;
    size_t old = out.size();
    out.reserve(old + bound);
    // A window no larger than the input: same output size, far less memory to
    // map and clear per call (max tier calls this for every candidate stream).
    int window = std::max(BROTLI_MIN_WINDOW_BITS, static_cast<int>(std::bit_width(in.size())));
    window = std::min(window, options.brotli_window);
    BrotliArena arena;
    try {
        // The same parameters BrotliEncoderCompress uses, so the bytes are the same.
        BrotliEncoderState* s = BrotliEncoderCreateInstance(arena_alloc, arena_free, &arena);
        if (!s) throw std::bad_alloc();
        BrotliEncoderSetParameter(s, BROTLI_PARAM_QUALITY, static_cast<uint32_t>(options.brotli_quality));
        BrotliEncoderSetParameter(s, BROTLI_PARAM_LGWIN, static_cast<uint32_t>(window));
        BrotliEncoderSetParameter(s, BROTLI_PARAM_MODE, BROTLI_MODE_GENERIC);
        BrotliEncoderSetParameter(s, BROTLI_PARAM_SIZE_HINT,
                                  static_cast<uint32_t>(std::min<size_t>(in.size(), 1u << 30)));
        size_t avail_in = in.size(), avail_out = bound;
        const uint8_t* next_in = in.data();
        uint8_t* next_out = out.data() + old;
        bool ok = BrotliEncoderCompressStream(s, BROTLI_OPERATION_FINISH, &avail_in, &next_in, &avail_out,
                                              &next_out, nullptr) &&
                  BrotliEncoderIsFinished(s);
        BrotliEncoderDestroyInstance(s);
        if (!ok) fail(Code::internal, "brotli compression failed");
        out.resize(old + (bound - avail_out));
    } catch (const std::bad_alloc&) {
        fail(Code::memory, "brotli compression ran out of memory");
    }
}

void brotli_decode(Bytes encoded, uint8_t* dst, size_t decoded_size) {
    BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    if (!s) fail(Code::memory, "cannot create brotli decoder");
    size_t avail_in = encoded.size();
    const uint8_t* next_in = encoded.data();
    size_t avail_out = decoded_size;
    uint8_t* next_out = dst;
    BrotliDecoderResult r =
        BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    // A valid stream of exactly decoded_size bytes finishes with all input used;
    // NEEDS_MORE_OUTPUT means the stream claims more bytes than declared.
    bool ok = r == BROTLI_DECODER_RESULT_SUCCESS && avail_out == 0 && avail_in == 0;
    int error = BrotliDecoderGetErrorCode(s);
    BrotliDecoderDestroyInstance(s);
    if (error <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES &&
        error >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES)
        fail(Code::memory, "brotli decoder out of memory");
    if (!ok) fail(Code::corrupt, "brotli stream does not decode to its declared size");
}

}  // namespace z4ai
