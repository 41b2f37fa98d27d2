// cpu.hpp - runtime CPU dispatch: which SIMD level the kernels may use.
// Every kernel family has a portable scalar path; faster paths are chosen at
// run time from CPUID, never from compile-time flags, so one binary runs on any
// x86-64 (or non-x86) machine. Tests cap the level to run every path.
#pragma once

namespace z4ai::simd {

enum class Level : int {
    scalar = 0,  // portable C++ (SSE2 at most, as the compiler's baseline)
    avx2 = 1,    // AVX2 + BMI2
    avx512 = 2,  // AVX-512 F/BW/VL/DQ + VBMI + VBMI2 + BMI2
};

// What the CPU (and OS, via XGETBV) supports; computed once.
Level detected() noexcept;
// The level kernels use: min(detected(), cap). Cheap (one relaxed atomic load).
Level active() noexcept;
// Test hook: caps active() (e.g. Level::scalar to exercise the fallback paths) and
// makes every Dispatched kernel choose again. Builds configured for tests
// (Z4AI_SIMD_ENV_OVERRIDE) also read the cap once from the environment variable
// Z4AI_SIMD_MAX (scalar, avx2, avx512), so whole test runs repeat per level
// (ctest label per_isa); release builds ignore the variable.
void set_cap(Level cap) noexcept;
const char* level_name(Level level) noexcept;
// False on CPUs where BMI2's pdep/pext are microcoded (AMD before Zen 3: ~250
// cycles instead of 3); kernels built on pdep then take another path.
bool fast_pdep() noexcept;

}  // namespace z4ai::simd
