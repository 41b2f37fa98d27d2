// effort.hpp - the effort table: every parameter an effort tier implies, in one
// place (as zstd's clevels.h does for its levels). The planner's policy, the
// frame encoder's chunk size and repeat search, and the container writer all read
// it here; nothing else maps an effort to a number.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "codec/config.hpp"

namespace z4ai {

struct EffortParams {
    const char* name;  // as z4ai_effort_from_name and the CLI spell it
    // 1 MiB chunks at every tier: the random-access granularity and the unit of
    // parallel work (Z4AI_C_CHUNK_SIZE overrides).
    unsigned chunk_log;
    // zstd level of the LZ stage every tier runs where a sample says it wins.
    int zstd_level;
    // max only (0 elsewhere): level of the strong zstd pass (plus Brotli at
    // brotli_quality) run where a sample says it beats the best so far.
    int strong_zstd_level;
    int brotli_quality;
    bool fastx;                       // escape-coded planes (backend 5) first, Huffman where they fit badly
    bool raw_beside_planes;           // also code multi-byte dtypes as one stream
    bool every_huffman_size;          // try every Huffman segment size
    double sparse_min_zero_fraction;  // zero elements a chunk needs before sparse is tried
    // Long repeats at any element offset (tied weights stored twice) get aligned
    // blocks so they dedup; the scan cost ~90% of default-tier time (18 vs 170 MB/s
    // on MiniLM bf16), so only max pays for it.
    bool repeats_at_any_offset;
};

const EffortParams& effort_params(Effort effort) noexcept;
// "fast", "default" (or "balanced"), "max"; nullopt otherwise.
std::optional<Effort> effort_from_name(std::string_view name) noexcept;
// Z4AI_C_LEVEL replaces the highest zstd level the tier runs: the LZ stage's at
// fast and default, the strong pass's at max. 0 keeps the table's.
void apply_level(EffortParams& params, int level) noexcept;
unsigned chunk_log_for(const EncodeConfig& config) noexcept;

}  // namespace z4ai
