// capi_params.cpp - parameter ids, bounds, and their mapping onto the core configs.
#include "capi_internal.hpp"
#include "dtype/dtype.hpp"

namespace {

using z4ai::Code;
using z4ai::fail;

struct Bounds {
    int64_t lower, upper;
};

bool cparam_bounds(int32_t param, Bounds* b) {
    switch (param) {
        case Z4AI_C_LEVEL: *b = {0, 22}; return true;
        case Z4AI_C_EFFORT: *b = {Z4AI_EFFORT_FAST, Z4AI_EFFORT_MAX}; return true;
        case Z4AI_C_DTYPE: *b = {0, z4ai::kDTypeCount - 1}; return true;
        case Z4AI_C_THREADS: *b = {0, 256}; return true;
        case Z4AI_C_CHUNK_SIZE: *b = {0, int64_t(1) << z4ai::kMaxChunkLog}; return true;
        case Z4AI_C_CHECKSUM: *b = {0, 1}; return true;
        case Z4AI_C_LONG_DISTANCE: *b = {0, 1}; return true;
        case Z4AI_C_WINDOW_LOG: *b = {0, 31}; return true;
        case Z4AI_C_DEDUP: *b = {0, 1}; return true;
        case Z4AI_C_STRUCTURE: *b = {0, 1}; return true;
        case Z4AI_C_TENSOR_DEDUP: *b = {0, 1}; return true;
        case Z4AI_C_MATCH_RENAMED: *b = {0, 1}; return true;
    }
    return false;
}

bool dparam_bounds(int32_t param, Bounds* b) {
    switch (param) {
        case Z4AI_D_THREADS: *b = {0, 256}; return true;
        case Z4AI_D_MAX_MEMORY: *b = {0, INT64_MAX}; return true;
        case Z4AI_D_VERIFY_CHECKSUM: *b = {0, 1}; return true;
        case Z4AI_D_VERIFY_BASE: *b = {0, 1}; return true;
    }
    return false;
}

Bounds checked(bool known, Bounds b, int32_t param, int64_t value) {
    if (!known) fail(Code::param_unsupported, "unknown parameter id " + std::to_string(param));
    if (value < b.lower || value > b.upper)
        fail(Code::param_out_of_bounds, "parameter " + std::to_string(param) + " = " + std::to_string(value) +
                                            " is outside [" + std::to_string(b.lower) + ", " +
                                            std::to_string(b.upper) + "]");
    return b;
}

unsigned log2_exact(int64_t v) {
    unsigned log = 0;
    while ((int64_t(1) << log) < v) ++log;
    return log;
}

int64_t cparam_value(const z4ai_cctx& cctx, int32_t param) {
    const z4ai::EncodeConfig& c = cctx.encoder.config;
    switch (param) {
        case Z4AI_C_LEVEL: return c.level;
        case Z4AI_C_EFFORT: return static_cast<int64_t>(c.effort);
        case Z4AI_C_DTYPE: return c.dtype;
        case Z4AI_C_THREADS: return c.threads;
        case Z4AI_C_CHUNK_SIZE: return c.chunk_log ? (int64_t(1) << c.chunk_log) : 0;
        case Z4AI_C_CHECKSUM: return c.checksum;
        case Z4AI_C_LONG_DISTANCE: return c.long_distance;
        case Z4AI_C_WINDOW_LOG: return c.window_log;
        case Z4AI_C_DEDUP: return c.dedup;
        case Z4AI_C_STRUCTURE: return c.structure;
        case Z4AI_C_TENSOR_DEDUP: return cctx.tensor_dedup;
        case Z4AI_C_MATCH_RENAMED: return cctx.match_renamed;
    }
    z4ai::fail(z4ai::Code::param_unsupported, "unknown compression parameter " + std::to_string(param));
}

int64_t dparam_value(const z4ai_dctx& dctx, int32_t param) {
    const z4ai::DecodeConfig& c = dctx.decoder.config;
    switch (param) {
        case Z4AI_D_THREADS: return c.threads;
        case Z4AI_D_MAX_MEMORY: return static_cast<int64_t>(c.max_memory);
        case Z4AI_D_VERIFY_CHECKSUM: return c.verify_checksum;
        case Z4AI_D_VERIFY_BASE: return dctx.verify_base;
    }
    z4ai::fail(z4ai::Code::param_unsupported, "unknown decompression parameter " + std::to_string(param));
}

}  // namespace

extern "C" {

z4ai_status z4ai_cparam_bounds(int32_t param, int64_t* lower, int64_t* upper) {
    Bounds b;
    if (!lower || !upper) return Z4AI_E_INVALID_ARGUMENT;
    if (!cparam_bounds(param, &b)) return Z4AI_E_PARAM_UNSUPPORTED;
    *lower = b.lower;
    *upper = b.upper;
    return Z4AI_OK;
}

z4ai_status z4ai_dparam_bounds(int32_t param, int64_t* lower, int64_t* upper) {
    Bounds b;
    if (!lower || !upper) return Z4AI_E_INVALID_ARGUMENT;
    if (!dparam_bounds(param, &b)) return Z4AI_E_PARAM_UNSUPPORTED;
    *lower = b.lower;
    *upper = b.upper;
    return Z4AI_OK;
}

z4ai_status z4ai_cctx_set_param(z4ai_cctx* cctx, int32_t param, int64_t value) {
    return z4ai::capi::guarded(cctx, [&] {
        Bounds b;
        checked(cparam_bounds(param, &b), b, param, value);
        if (cctx->encoder.in_frame())
            fail(Code::stage_wrong, "parameters cannot change while a streaming frame is in progress");
        z4ai::EncodeConfig& c = cctx->encoder.config;
        switch (param) {
            case Z4AI_C_LEVEL: c.level = static_cast<int>(value); break;
            case Z4AI_C_EFFORT: c.effort = static_cast<z4ai::Effort>(value); break;
            case Z4AI_C_DTYPE: c.dtype = static_cast<uint8_t>(value); break;
            case Z4AI_C_THREADS: c.threads = value; break;
            case Z4AI_C_CHUNK_SIZE:
                if (value == 0) {
                    c.chunk_log = 0;
                } else {
                    unsigned log = log2_exact(value);
                    if ((int64_t(1) << log) != value || log < z4ai::kMinChunkLog)
                        fail(Code::param_out_of_bounds,
                             "chunk size must be a power of two between 4 KiB and 256 MiB");
                    c.chunk_log = log;
                }
                break;
            case Z4AI_C_CHECKSUM: c.checksum = value != 0; break;
            case Z4AI_C_LONG_DISTANCE: c.long_distance = value != 0; break;
            case Z4AI_C_WINDOW_LOG:
                if (value != 0 && value < 10)
                    fail(Code::param_out_of_bounds, "window log must be 0 or in [10, 31]");
                c.window_log = static_cast<int>(value);
                break;
            case Z4AI_C_DEDUP: c.dedup = value != 0; break;
            case Z4AI_C_STRUCTURE: c.structure = value != 0; break;
            case Z4AI_C_TENSOR_DEDUP: cctx->tensor_dedup = value != 0; break;
            case Z4AI_C_MATCH_RENAMED: cctx->match_renamed = value != 0; break;
        }
    });
}

z4ai_status z4ai_cctx_get_param(const z4ai_cctx* cctx, int32_t param, int64_t* value) {
    return z4ai::capi::guarded(cctx, [&] {
        z4ai::capi::require_ptr(value, "value");
        *value = cparam_value(*cctx, param);
    });
}

z4ai_status z4ai_dctx_get_param(const z4ai_dctx* dctx, int32_t param, int64_t* value) {
    return z4ai::capi::guarded(dctx, [&] {
        z4ai::capi::require_ptr(value, "value");
        *value = dparam_value(*dctx, param);
    });
}

z4ai_status z4ai_dctx_set_param(z4ai_dctx* dctx, int32_t param, int64_t value) {
    return z4ai::capi::guarded(dctx, [&] {
        Bounds b;
        checked(dparam_bounds(param, &b), b, param, value);
        z4ai::DecodeConfig& c = dctx->decoder.config;
        switch (param) {
            case Z4AI_D_THREADS: c.threads = value; break;
            case Z4AI_D_MAX_MEMORY:
                c.max_memory = value == 0 ? (uint64_t(1) << 30) : static_cast<uint64_t>(value);
                break;
            case Z4AI_D_VERIFY_CHECKSUM: c.verify_checksum = value != 0; break;
            case Z4AI_D_VERIFY_BASE: dctx->verify_base = value != 0; break;
        }
    });
}

}  // extern "C"
