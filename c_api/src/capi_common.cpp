// capi_common.cpp - version, status names, dtype table.
#include <cstring>
#include <iterator>
#include <string>
#include <utility>

#include "capi_internal.hpp"
#include "codec/effort.hpp"
#include "dtype/dtype.hpp"

namespace {

using z4ai::Code;
// The core's codes are the ABI's codes, every one of them: a drift (or a code added
// on one side only) is a compile error.
constexpr std::pair<z4ai_status, Code> kPinnedStatus[] = {
    {Z4AI_OK, Code::ok},
    {Z4AI_E_GENERIC, Code::generic},
    {Z4AI_E_MEMORY, Code::memory},
    {Z4AI_E_DST_TOO_SMALL, Code::dst_too_small},
    {Z4AI_E_CORRUPT, Code::corrupt},
    {Z4AI_E_CHECKSUM, Code::checksum},
    {Z4AI_E_PARAM_UNSUPPORTED, Code::param_unsupported},
    {Z4AI_E_PARAM_OUT_OF_BOUNDS, Code::param_out_of_bounds},
    {Z4AI_E_STAGE_WRONG, Code::stage_wrong},
    {Z4AI_E_VERSION_UNSUPPORTED, Code::version_unsupported},
    {Z4AI_E_INVALID_ARGUMENT, Code::invalid_argument},
    {Z4AI_E_DTYPE_UNKNOWN, Code::dtype_unknown},
    {Z4AI_E_TRUNCATED, Code::truncated},
    {Z4AI_E_REFERENCE_MISMATCH, Code::reference_mismatch},
    {Z4AI_E_REFERENCE_MISSING, Code::reference_missing},
    {Z4AI_E_MEMORY_LIMIT, Code::memory_limit},
    {Z4AI_E_IO, Code::io},
    {Z4AI_E_NOT_FOUND, Code::not_found},
    {Z4AI_E_UNKNOWN_FORMAT, Code::unknown_format},
    {Z4AI_E_INTERNAL, Code::internal},
    {Z4AI_E_BUSY, Code::busy},
    {Z4AI_E_SRC_TOO_LARGE, Code::src_too_large},
    {Z4AI_E_SAFETENSORS_INVALID, Code::safetensors_invalid},
    {Z4AI_E_WRONG_KIND, Code::wrong_kind},
};
constexpr bool status_codes_pinned() {
    int32_t expected = 0;  // 0, -1, -2, ... without gaps
    for (const auto& [status, code] : kPinnedStatus)
        if (status != static_cast<z4ai_status>(code) || status != expected--) return false;
    return true;
}
static_assert(status_codes_pinned(), "a z4ai.h status code and its core Code differ");
static_assert(std::size(kPinnedStatus) == 24 && Z4AI_E_WRONG_KIND == -23 &&
                  static_cast<int32_t>(Code::wrong_kind) == -23,
              "a status code was added: pin it here and in z4ai_status_name");

}  // namespace

std::string& z4ai::capi::thread_last_error() noexcept {
    thread_local std::string message;
    return message;
}

extern "C" {

uint32_t z4ai_version_number(void) { return Z4AI_VERSION_NUMBER; }

const char* z4ai_last_error(void) { return z4ai::capi::thread_last_error().c_str(); }

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
