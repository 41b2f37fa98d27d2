// dtype.hpp - the element-type table. Codes are stored in frames and pinned
// forever (they equal the z4ai_dtype values of z4ai.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace z4ai {

enum class FloatKind : uint8_t { none, ieee };  // ieee: sign | exponent | mantissa

struct DTypeInfo {
    uint8_t code;
    uint8_t width;  // bytes per element
    FloatKind kind;
    uint8_t exponent_bits;  // 0 for integers/raw
    uint8_t mantissa_bits;
    bool is_signed_int;
    const char* name;
};

constexpr uint8_t kDTypeCount = 16;

// Codes of the dtypes the planner and layouts pick by name; checked against the
// table in dtype.cpp (and the table against z4ai.h in c_api).
namespace dtype_code {
constexpr uint8_t fp16 = 12, bf16 = 13, fp32 = 14, fp64 = 15;
}

// nullptr if the code is unknown.
const DTypeInfo* dtype_info(int64_t code) noexcept;
// Accepts canonical names and common aliases (numpy / torch / safetensors spellings).
std::optional<uint8_t> dtype_from_name(std::string_view name) noexcept;

}  // namespace z4ai
