// describe.hpp - a JSON description of a frame (for `z4ai info` and bindings).
#pragma once
#include <string>

#include "util/buffer.hpp"

namespace z4ai {
std::string describe_frame(Bytes src);
const char* delta_name(uint8_t delta) noexcept;
}  // namespace z4ai
