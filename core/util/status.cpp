#include "util/status.hpp"

namespace z4ai {

void fail_corrupt(const char* what, uint64_t offset) {
    throw Error(Code::corrupt, std::string(what) + " (at byte " + std::to_string(offset) + ")");
}

}  // namespace z4ai
