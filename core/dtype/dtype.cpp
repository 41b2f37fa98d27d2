#include "dtype/dtype.hpp"

#include <cctype>
#include <string>

namespace z4ai {
namespace {

constexpr DTypeInfo kTable[kDTypeCount] = {
    {0, 1, FloatKind::none, 0, 0, false, "raw"},       {1, 1, FloatKind::none, 0, 0, false, "bool"},
    {2, 1, FloatKind::none, 0, 0, false, "uint8"},     {3, 1, FloatKind::none, 0, 0, true, "int8"},
    {4, 2, FloatKind::none, 0, 0, false, "uint16"},    {5, 2, FloatKind::none, 0, 0, true, "int16"},
    {6, 4, FloatKind::none, 0, 0, false, "uint32"},    {7, 4, FloatKind::none, 0, 0, true, "int32"},
    {8, 8, FloatKind::none, 0, 0, false, "uint64"},    {9, 8, FloatKind::none, 0, 0, true, "int64"},
    {10, 1, FloatKind::ieee, 4, 3, false, "fp8_e4m3"}, {11, 1, FloatKind::ieee, 5, 2, false, "fp8_e5m2"},
    {12, 2, FloatKind::ieee, 5, 10, false, "fp16"},    {13, 2, FloatKind::ieee, 8, 7, false, "bf16"},
    {14, 4, FloatKind::ieee, 8, 23, false, "fp32"},    {15, 8, FloatKind::ieee, 11, 52, false, "fp64"},
};
static_assert(kTable[dtype_code::fp16].exponent_bits == 5 && kTable[dtype_code::fp16].width == 2);
static_assert(kTable[dtype_code::bf16].exponent_bits == 8 && kTable[dtype_code::bf16].width == 2);
static_assert(kTable[dtype_code::fp32].mantissa_bits == 23 && kTable[dtype_code::fp64].mantissa_bits == 52);

struct Alias {
    const char* name;
    uint8_t code;
};

constexpr Alias kAliases[] = {
    {"bytes", 0},   {"b1", 1},        {"u8", 2},       {"i8", 3},
    {"u16", 4},     {"i16", 5},       {"u32", 6},      {"i32", 7},
    {"u64", 8},     {"i64", 9},       {"f8_e4m3", 10}, {"float8_e4m3fn", 10},
    {"f8e4m3", 10}, {"e4m3", 10},     {"f8_e5m2", 11}, {"float8_e5m2", 11},
    {"f8e5m2", 11}, {"e5m2", 11},     {"f16", 12},     {"float16", 12},
    {"half", 12},   {"bfloat16", 13}, {"bfloat", 13},  {"float32", 14},
    {"f32", 14},    {"float", 14},    {"single", 14},  {"float64", 15},
    {"f64", 15},    {"double", 15},   {"boolean", 1},
};

}  // namespace

const DTypeInfo* dtype_info(int64_t code) noexcept {
    if (code < 0 || code >= kDTypeCount) return nullptr;
    return &kTable[code];
}

std::optional<uint8_t> dtype_from_name(std::string_view name) noexcept {
    std::string lower;
    lower.reserve(name.size());
    for (char c : name) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    for (const auto& d : kTable)
        if (lower == d.name) return d.code;
    for (const auto& a : kAliases)
        if (lower == a.name) return a.code;
    return std::nullopt;
}

}  // namespace z4ai
