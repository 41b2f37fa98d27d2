#include "entropy/zstd_backend.hpp"

#include <zstd_errors.h>

#include "util/status.hpp"

namespace z4ai {
namespace {

// An allocation zstd could not make is Z4AI_E_MEMORY whatever the call was.
Code classify(size_t rc, Code code) {
    return ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation ? Code::memory : code;
}

void check(size_t rc, Code code, const char* what) {
    if (ZSTD_isError(rc)) fail(classify(rc, code), std::string(what) + ": " + ZSTD_getErrorName(rc));
}

}  // namespace

void zstd_encode(Bytes in, const LzOptions& options, EntropyWorkspace::Impl& ws, Buffer& out) {
    ZSTD_CCtx*& slot = options.zstd_level >= 10 ? ws.zstd_c_strong : ws.zstd_c;
    if (!slot) {
        slot = ZSTD_createCCtx();
        if (!slot) fail(Code::memory, "cannot create zstd context");
    }
    ZSTD_CCtx* c = slot;
    ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
    check(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, options.zstd_level), Code::internal,
          "zstd level");
    // Sizes live in z4ai's own stream table; drop zstd's redundant header fields.
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0);
    ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0);
    if (options.long_distance) ZSTD_CCtx_setParameter(c, ZSTD_c_enableLongDistanceMatching, 1);
    if (options.window_log) ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, options.window_log);
    ZSTD_CCtx_setPledgedSrcSize(c, in.size());
    size_t bound = ZSTD_compressBound(in.size());
    size_t old = out.size();
    out.reserve(old + bound);
    size_t rc = ZSTD_compress2(c, out.data() + old, bound, in.data(), in.size());
    check(rc, Code::internal, "zstd compression");
    out.resize(old + rc);
}

void zstd_decode(Bytes encoded, uint8_t* dst, size_t decoded_size, EntropyWorkspace::Impl& ws) {
    if (!ws.zstd_d) {
        ws.zstd_d = ZSTD_createDCtx();
        if (!ws.zstd_d) fail(Code::memory, "cannot create zstd context");
        // Windows above 2^31 are never written by z4ai; refuse them in hostile input.
        ZSTD_DCtx_setParameter(ws.zstd_d, ZSTD_d_windowLogMax, 31);
    }
    ZSTD_DCtx_reset(ws.zstd_d, ZSTD_reset_session_only);
    ZSTD_outBuffer out{dst, decoded_size, 0};
    ZSTD_inBuffer in{encoded.data(), encoded.size(), 0};
    size_t rc = ZSTD_decompressStream(ws.zstd_d, &out, &in);
    if (ZSTD_isError(rc))
        fail(classify(rc, Code::corrupt), std::string("zstd stream: ") + ZSTD_getErrorName(rc));
    // rc == 0: frame complete. It must have produced exactly decoded_size bytes and
    // used all input; anything else is a damaged stream.
    if (rc != 0 || out.pos != decoded_size || in.pos != in.size)
        fail(Code::corrupt, "zstd stream does not decode to its declared size");
}

}  // namespace z4ai
