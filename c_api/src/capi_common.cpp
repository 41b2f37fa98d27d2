// capi_common.cpp - version, status names, dtype table.
#include <cstring>

#include "capi_internal.hpp"
#include "codec/effort.hpp"
#include "dtype/dtype.hpp"

// The core's codes are the ABI's codes: a drift here is a compile error.
static_assert(Z4AI_E_CORRUPT == static_cast<int>(z4ai::Code::corrupt));
static_assert(Z4AI_E_SRC_TOO_LARGE == static_cast<int>(z4ai::Code::src_too_large));
static_assert(Z4AI_E_SAFETENSORS_INVALID == static_cast<int>(z4ai::Code::safetensors_invalid));
static_assert(Z4AI_E_WRONG_KIND == static_cast<int>(z4ai::Code::wrong_kind));
static_assert(Z4AI_E_BUSY == static_cast<int>(z4ai::Code::busy));
static_assert(Z4AI_E_REFERENCE_MISSING == static_cast<int>(z4ai::Code::reference_missing));

extern "C" {

uint32_t z4ai_version_number(void) { return Z4AI_VERSION_NUMBER; }

const char* z4ai_version_string(void) {
#define Z4AI_STR2(x) #x
#define Z4AI_STR(x) Z4AI_STR2(x)
    return Z4AI_STR(Z4AI_VERSION_MAJOR) "." Z4AI_STR(Z4AI_VERSION_MINOR) "." Z4AI_STR(Z4AI_VERSION_PATCH);
}

const char* z4ai_status_name(z4ai_status status) {
    switch (status) {
        case Z4AI_OK: return "Z4AI_OK";
        case Z4AI_E_GENERIC: return "Z4AI_E_GENERIC";
        case Z4AI_E_MEMORY: return "Z4AI_E_MEMORY";
        case Z4AI_E_DST_TOO_SMALL: return "Z4AI_E_DST_TOO_SMALL";
        case Z4AI_E_CORRUPT: return "Z4AI_E_CORRUPT";
        case Z4AI_E_CHECKSUM: return "Z4AI_E_CHECKSUM";
        case Z4AI_E_PARAM_UNSUPPORTED: return "Z4AI_E_PARAM_UNSUPPORTED";
        case Z4AI_E_PARAM_OUT_OF_BOUNDS: return "Z4AI_E_PARAM_OUT_OF_BOUNDS";
        case Z4AI_E_STAGE_WRONG: return "Z4AI_E_STAGE_WRONG";
        case Z4AI_E_VERSION_UNSUPPORTED: return "Z4AI_E_VERSION_UNSUPPORTED";
        case Z4AI_E_INVALID_ARGUMENT: return "Z4AI_E_INVALID_ARGUMENT";
        case Z4AI_E_DTYPE_UNKNOWN: return "Z4AI_E_DTYPE_UNKNOWN";
        case Z4AI_E_TRUNCATED: return "Z4AI_E_TRUNCATED";
        case Z4AI_E_REFERENCE_MISMATCH: return "Z4AI_E_REFERENCE_MISMATCH";
        case Z4AI_E_REFERENCE_MISSING: return "Z4AI_E_REFERENCE_MISSING";
        case Z4AI_E_MEMORY_LIMIT: return "Z4AI_E_MEMORY_LIMIT";
        case Z4AI_E_IO: return "Z4AI_E_IO";
        case Z4AI_E_NOT_FOUND: return "Z4AI_E_NOT_FOUND";
        case Z4AI_E_UNKNOWN_FORMAT: return "Z4AI_E_UNKNOWN_FORMAT";
        case Z4AI_E_INTERNAL: return "Z4AI_E_INTERNAL";
        case Z4AI_E_BUSY: return "Z4AI_E_BUSY";
        case Z4AI_E_SRC_TOO_LARGE: return "Z4AI_E_SRC_TOO_LARGE";
        case Z4AI_E_SAFETENSORS_INVALID: return "Z4AI_E_SAFETENSORS_INVALID";
        case Z4AI_E_WRONG_KIND: return "Z4AI_E_WRONG_KIND";
    }
    return "Z4AI_E_UNKNOWN_STATUS";
}

int z4ai_is_error(z4ai_status status) { return status < 0; }

size_t z4ai_dtype_width(int32_t dtype) {
    const z4ai::DTypeInfo* d = z4ai::dtype_info(dtype);
    return d ? d->width : 0;
}

const char* z4ai_dtype_name(int32_t dtype) {
    const z4ai::DTypeInfo* d = z4ai::dtype_info(dtype);
    return d ? d->name : nullptr;
}

z4ai_status z4ai_dtype_from_name(const char* name, int32_t* dtype) {
    if (!name || !dtype) return Z4AI_E_INVALID_ARGUMENT;
    auto code = z4ai::dtype_from_name(name);
    if (!code) return Z4AI_E_DTYPE_UNKNOWN;
    *dtype = *code;
    return Z4AI_OK;
}

z4ai_status z4ai_effort_from_name(const char* name, int32_t* effort) {
    if (!name || !effort) return Z4AI_E_INVALID_ARGUMENT;
    auto e = z4ai::effort_from_name(name);
    if (!e) return Z4AI_E_PARAM_OUT_OF_BOUNDS;
    *effort = static_cast<int32_t>(*e);
    return Z4AI_OK;
}

const char* z4ai_effort_name(int32_t effort) {
    if (effort < Z4AI_EFFORT_FAST || effort > Z4AI_EFFORT_MAX) return nullptr;
    return z4ai::effort_params(static_cast<z4ai::Effort>(effort)).name;
}

size_t z4ai_compress_bound(uint64_t src_size) { return z4ai::Encoder::bound(src_size); }

}  // extern "C"
