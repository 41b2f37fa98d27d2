// status.hpp - error codes and the exception type used inside the core.
// The numeric values equal the pinned Z4AI_E_* codes of z4ai.h (checked by
// static_asserts in c_api/), so the C glue only translates, never maps.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

namespace z4ai {

enum class Code : int32_t {
    ok = 0,
    generic = -1,
    memory = -2,
    dst_too_small = -3,
    corrupt = -4,
    checksum = -5,
    param_unsupported = -6,
    param_out_of_bounds = -7,
    stage_wrong = -8,
    version_unsupported = -9,
    invalid_argument = -10,
    dtype_unknown = -11,
    truncated = -12,
    reference_mismatch = -13,
    reference_missing = -14,
    memory_limit = -15,
    io = -16,
    not_found = -17,
    unknown_format = -18,
    internal = -19,
    busy = -20,
    src_too_large = -21,
    safetensors_invalid = -22,
    wrong_kind = -23,
};

// Thrown by core code; caught at the C boundary and turned into a status code
// plus the per-context message.
class Error {
   public:
    Error(Code code, std::string message) : code_(code), message_(std::move(message)) {}
    Code code() const noexcept { return code_; }
    const std::string& message() const noexcept { return message_; }

   private:
    Code code_;
    std::string message_;
};

[[noreturn]] inline void fail(Code code, std::string message) { throw Error(code, std::move(message)); }

// Throws corrupt with a message naming what was wrong and where.
[[noreturn]] void fail_corrupt(const char* what, uint64_t offset);

inline void require(bool condition, Code code, const char* message) {
    if (!condition) fail(code, message);
}

}  // namespace z4ai
