#include "simd/cpu.hpp"

#include "simd/dispatch.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define Z4AI_X86 1
#endif

namespace z4ai::simd {
namespace {

#ifdef Z4AI_X86
unsigned long long xgetbv0() {
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (static_cast<unsigned long long>(edx) << 32) | eax;
}
#endif

Level probe() noexcept {
#ifdef Z4AI_X86
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return Level::scalar;
    const bool osxsave = c & (1u << 27), avx = c & (1u << 28);
    if (!osxsave || !avx) return Level::scalar;
    const unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return Level::scalar;  // XMM + YMM state
    if (__get_cpuid_max(0, nullptr) < 7) return Level::scalar;
    __cpuid_count(7, 0, a, b, c, d);
    const bool avx2 = b & (1u << 5), bmi1 = b & (1u << 3), bmi2 = b & (1u << 8);
    if (!(avx2 && bmi1 && bmi2)) return Level::scalar;
    const bool f = b & (1u << 16), dq = b & (1u << 17), bw = b & (1u << 30), vl = b & (1u << 31);
    const bool vbmi = c & (1u << 1), vbmi2 = c & (1u << 6);
    const bool zmm_state = (xcr0 & 0xE6) == 0xE6;  // opmask + ZMM_Hi256 + Hi16_ZMM
    if (f && dq && bw && vl && vbmi && vbmi2 && zmm_state) return Level::avx512;
    return Level::avx2;
#else
    return Level::scalar;
#endif
}

// Z4AI_SIMD_MAX is a test switch: read only in builds configured for tests
// (Z4AI_SIMD_ENV_OVERRIDE, on with Z4AI_BUILD_TESTS), never in release wheels.
Level cap_from_env() noexcept {
#ifndef Z4AI_SIMD_ENV_OVERRIDE
    return Level::avx512;
#else
    const char* v = std::getenv("Z4AI_SIMD_MAX");
    if (!v) return Level::avx512;
    if (!std::strcmp(v, "scalar")) return Level::scalar;
    if (!std::strcmp(v, "avx2")) return Level::avx2;
    return Level::avx512;
#endif
}

std::atomic<int> g_active{-1};
std::atomic<unsigned> g_generation{0};

int compute(Level cap) noexcept {
    int d = static_cast<int>(detected()), c = static_cast<int>(cap);
    return d < c ? d : c;
}

}  // namespace

bool fast_pdep() noexcept {
#ifdef Z4AI_X86
    static const bool fast = [] {
        unsigned a, b, c, d;
        if (!__get_cpuid(0, &a, &b, &c, &d)) return false;
        const bool amd = b == 0x68747541u;  // "AuthenticAMD"
        if (!amd) return true;
        __get_cpuid(1, &a, &b, &c, &d);
        unsigned family = (a >> 8) & 0xF;
        if (family == 0xF) family += (a >> 20) & 0xFF;
        return family >= 0x19;  // Zen 3 and later
    }();
    return fast;
#else
    return false;
#endif
}

Level detected() noexcept {
    static const Level level = probe();
    return level;
}

Level active() noexcept {
    int v = g_active.load(std::memory_order_relaxed);
    if (v < 0) {
        v = compute(cap_from_env());
        g_active.store(v, std::memory_order_relaxed);
    }
    return static_cast<Level>(v);
}

void set_cap(Level cap) noexcept {
    g_active.store(compute(cap), std::memory_order_relaxed);
    g_generation.fetch_add(1, std::memory_order_acq_rel);
}

unsigned cap_generation() noexcept { return g_generation.load(std::memory_order_acquire); }

const char* level_name(Level level) noexcept {
    switch (level) {
        case Level::scalar: return "scalar";
        case Level::avx2: return "avx2";
        case Level::avx512: return "avx512";
    }
    return "unknown";
}

}  // namespace z4ai::simd
