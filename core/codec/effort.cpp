#include "codec/effort.hpp"

namespace z4ai {
namespace {

// clang-format off
constexpr EffortParams kEffortTable[] = {
    //  name       chunk zstd strong brotli fastx  raw+planes every-huff sparse  repeats
    {"fast",       20,   1,   0,     9,     true,  false,     false,     0.25,   false},
    {"default",    20,   3,   0,     9,     false, false,     false,     0.125,  false},
    // The default tier's search runs first (zstd-3), then the strong coders.
    {"max",        20,   3,   19,    9,     false, true,      true,      0.01,   true},
};
// clang-format on
static_assert(sizeof kEffortTable / sizeof kEffortTable[0] == 3);

}  // namespace

const EffortParams& effort_params(Effort effort) noexcept {
    return kEffortTable[static_cast<uint8_t>(effort)];
}

std::optional<Effort> effort_from_name(std::string_view name) noexcept {
    for (uint8_t e = 0; e < 3; ++e)
        if (name == kEffortTable[e].name) return static_cast<Effort>(e);
    if (name == "balanced") return Effort::balanced;  // the CLI's older spelling
    return std::nullopt;
}

void apply_level(EffortParams& params, int level) noexcept {
    if (!level) return;
    if (params.strong_zstd_level)
        params.strong_zstd_level = level;
    else
        params.zstd_level = level;
}

unsigned chunk_log_for(const EncodeConfig& config) noexcept {
    return config.chunk_log ? config.chunk_log : effort_params(config.effort).chunk_log;
}

}  // namespace z4ai
