// capi_contexts.cpp - context lifetime, shape, reference, reset, one-shot calls.
#include "capi_internal.hpp"

using z4ai::Bytes;
using z4ai::Code;
using z4ai::fail;
using z4ai::capi::guarded;
using z4ai::capi::require_ptr;

extern "C" {

z4ai_cctx* z4ai_cctx_create(void) { return new (std::nothrow) z4ai_cctx_s(); }
void z4ai_cctx_free(z4ai_cctx* cctx) { delete cctx; }
z4ai_dctx* z4ai_dctx_create(void) { return new (std::nothrow) z4ai_dctx_s(); }
void z4ai_dctx_free(z4ai_dctx* dctx) { delete dctx; }

const char* z4ai_cctx_last_error(const z4ai_cctx* cctx) { return cctx ? cctx->last_error.c_str() : ""; }
const char* z4ai_dctx_last_error(const z4ai_dctx* dctx) { return dctx ? dctx->last_error.c_str() : ""; }

z4ai_status z4ai_cctx_set_shape(z4ai_cctx* cctx, const uint64_t* dims, size_t ndim) {
    return guarded(cctx, [&] {
        if (ndim > z4ai::kMaxDims) fail(Code::param_out_of_bounds, "at most 8 dimensions");
        if (ndim) require_ptr(dims, "dims");
        if (cctx->encoder.in_frame()) fail(Code::stage_wrong, "a streaming frame is in progress");
        z4ai::EncodeConfig& c = cctx->encoder.config;
        c.ndim = static_cast<unsigned>(ndim);
        c.dims = {};
        for (size_t i = 0; i < ndim; ++i) c.dims[i] = dims[i];
    });
}

z4ai_status z4ai_cctx_set_pledged_size(z4ai_cctx* cctx, uint64_t size) {
    return guarded(cctx, [&] { cctx->encoder.set_pledged_size(size); });
}

z4ai_status z4ai_cctx_ref_reference(z4ai_cctx* cctx, const void* ref, size_t ref_size) {
    return guarded(cctx, [&] {
        if (cctx->encoder.in_frame()) fail(Code::stage_wrong, "a streaming frame is in progress");
        if (!ref && ref_size) fail(Code::invalid_argument, "reference is NULL but its size is not 0");
        z4ai::EncodeConfig& c = cctx->encoder.config;
        c.reference = static_cast<const uint8_t*>(ref);
        c.reference_size = ref ? ref_size : 0;
        c.has_reference = ref != nullptr;
    });
}

z4ai_status z4ai_dctx_ref_reference(z4ai_dctx* dctx, const void* ref, size_t ref_size) {
    return guarded(dctx, [&] {
        if (!ref && ref_size) fail(Code::invalid_argument, "reference is NULL but its size is not 0");
        dctx->decoder.set_reference(static_cast<const uint8_t*>(ref), ref ? ref_size : 0, ref != nullptr);
    });
}

z4ai_status z4ai_cctx_reset(z4ai_cctx* cctx, int32_t directive) {
    return guarded(cctx, [&] {
        if (directive < 1 || directive > 3) fail(Code::invalid_argument, "unknown reset directive");
        if (directive & Z4AI_RESET_SESSION) cctx->encoder.reset_session();
        if (directive & Z4AI_RESET_PARAMETERS) {
            if (cctx->encoder.in_frame()) fail(Code::stage_wrong, "a streaming frame is in progress");
            cctx->encoder.config = z4ai::EncodeConfig{};
            cctx->tensor_dedup = cctx->match_renamed = true;
        }
    });
}

z4ai_status z4ai_dctx_reset(z4ai_dctx* dctx, int32_t directive) {
    return guarded(dctx, [&] {
        if (directive < 1 || directive > 3) fail(Code::invalid_argument, "unknown reset directive");
        if (directive & Z4AI_RESET_SESSION) dctx->decoder.reset_session();
        if (directive & Z4AI_RESET_PARAMETERS) {
            dctx->decoder.config = z4ai::DecodeConfig{};
            dctx->decoder.set_reference(nullptr, 0, false);
            dctx->verify_base = true;
        }
    });
}

z4ai_status z4ai_compress(z4ai_cctx* cctx, void* dst, size_t dst_capacity, const void* src, size_t src_size,
                          size_t* written) {
    return guarded(cctx, [&] {
        require_ptr(written, "written");
        *written = 0;
        if (src_size) require_ptr(src, "src");
        if (dst_capacity) require_ptr(dst, "dst");
        *written = cctx->encoder.compress(static_cast<uint8_t*>(dst), dst_capacity,
                                          Bytes(static_cast<const uint8_t*>(src), src_size));
    });
}

z4ai_status z4ai_decompress(z4ai_dctx* dctx, void* dst, size_t dst_capacity, const void* src, size_t src_size,
                            size_t* written) {
    return guarded(dctx, [&] {
        require_ptr(written, "written");
        *written = 0;
        require_ptr(src, "src");
        if (dst_capacity) require_ptr(dst, "dst");
        *written = dctx->decoder.decompress(static_cast<uint8_t*>(dst), dst_capacity,
                                            Bytes(static_cast<const uint8_t*>(src), src_size));
    });
}

z4ai_status z4ai_decompress_range(z4ai_dctx* dctx, void* dst, size_t dst_capacity, const void* src,
                                  size_t src_size, uint64_t offset, uint64_t length, size_t* written) {
    return guarded(dctx, [&] {
        require_ptr(written, "written");
        *written = 0;
        require_ptr(src, "src");
        if (dst_capacity) require_ptr(dst, "dst");
        *written =
            dctx->decoder.decompress_range(static_cast<uint8_t*>(dst), dst_capacity,
                                           Bytes(static_cast<const uint8_t*>(src), src_size), offset, length);
    });
}

}  // extern "C"
