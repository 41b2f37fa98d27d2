// capi_internal.hpp - the thin glue between z4ai.h and the core: context structs
// and the one way every C ABI function reports an outcome: guarded() for calls on a
// context (NULL and concurrent-use checks, detail in the context's last error),
// reported() for calls without one (detail in the calling thread's z4ai_last_error).
// Both go through translate(), which turns core exceptions into pinned status codes.
#pragma once
#include <atomic>
#include <new>
#include <string>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "util/status.hpp"
#include "z4ai.h"

struct z4ai_cctx_s {
    z4ai::Encoder encoder;
    bool tensor_dedup = true;   // Z4AI_C_TENSOR_DEDUP
    bool match_renamed = true;  // Z4AI_C_MATCH_RENAMED
    // mutable: queries on a const context report errors and take the busy flag too
    mutable std::string last_error;
    mutable std::atomic<bool> busy{false};
};

struct z4ai_dctx_s {
    z4ai::Decoder decoder;
    bool verify_base = true;  // Z4AI_D_VERIFY_BASE
    mutable std::string last_error;
    mutable std::atomic<bool> busy{false};
};

namespace z4ai::archive {
class Archive;
}

namespace z4ai::capi {

inline void require_ptr(const void* p, const char* name) {
    if (!p) fail(Code::invalid_argument, std::string(name) + " must not be NULL");
}

// Runs fn; converts whatever it throws into a status, never letting it escape.
template <typename Fn>
z4ai_status translate(std::string* message, Fn&& fn) noexcept {
    try {
        fn();
        if (message) message->clear();
        return Z4AI_OK;
    } catch (const Error& e) {
        if (message) {
            try {
                *message = e.message();
            } catch (...) {
            }
        }
        return static_cast<z4ai_status>(e.code());
    } catch (const std::bad_alloc&) {
        if (message) message->clear();
        return Z4AI_E_MEMORY;
    } catch (...) {
        return Z4AI_E_INTERNAL;
    }
}

// The detail of the last failed context-free call on this thread (z4ai_last_error).
std::string& thread_last_error() noexcept;

// For calls without a context: the detail goes to the calling thread's last error.
template <typename Fn>
z4ai_status reported(Fn&& fn) noexcept {
    return translate(&thread_last_error(), fn);
}

// For calls on a context (const ones too): rejects NULL and concurrent use of one
// context; the detail goes to the context's last error.
template <typename Ctx, typename Fn>
z4ai_status guarded(Ctx* ctx, Fn&& fn) noexcept {
    if (!ctx) return Z4AI_E_INVALID_ARGUMENT;
    if (ctx->busy.exchange(true, std::memory_order_acquire)) return Z4AI_E_BUSY;
    z4ai_status s = translate(&ctx->last_error, fn);
    ctx->busy.store(false, std::memory_order_release);
    return s;
}

// For read-only queries on an open reader (its tensor table, kind, sizes): they may
// run while another thread reads tensors (transformers materializes weights from a
// thread pool), so they take no busy flag and report into the calling thread's
// z4ai_last_error instead of the reader's.
template <typename Ctx, typename Fn>
z4ai_status queried(const Ctx* ctx, Fn&& fn) noexcept {
    return reported([&] {
        require_ptr(ctx, "context");
        fn();
    });
}

// Opens member `index` of an archive in a reader, which then owns the member's bases
// (capi_container.cpp; used by capi_archive.cpp).
void reader_open_archive_member(z4ai_reader* reader, archive::Archive& a, size_t index);

}  // namespace z4ai::capi
