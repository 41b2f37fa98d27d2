// workspace_impl.hpp - what an EntropyWorkspace holds (internal to core/entropy).
#pragma once
#include <zstd.h>

#include "entropy/backend.hpp"

namespace z4ai {

struct EntropyWorkspace::Impl {
    ZSTD_CCtx* zstd_c = nullptr;
    // Levels >= 10 (max tier) get their own context: alternating levels on one
    // context reallocates its multi-MiB workspace on every call.
    ZSTD_CCtx* zstd_c_strong = nullptr;
    ZSTD_DCtx* zstd_d = nullptr;
    ~Impl() {
        ZSTD_freeCCtx(zstd_c);
        ZSTD_freeCCtx(zstd_c_strong);
        ZSTD_freeDCtx(zstd_d);
    }
};

}  // namespace z4ai
