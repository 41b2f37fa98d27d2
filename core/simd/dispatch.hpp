// dispatch.hpp - a kernel (or a kernel family's path) chosen once per process from
// the CPU's level, libdeflate style: the first call runs the selector, later calls
// use the stored choice. Only simd::set_cap (a test hook) makes it choose again.
#pragma once
#include <atomic>

#include "simd/cpu.hpp"

namespace z4ai::simd {

// Bumped by set_cap; a Dispatched re-runs its selector when it changes.
unsigned cap_generation() noexcept;

// T: a function pointer or a small enum/integer naming the path.
template <class T>
class Dispatched {
   public:
    using Selector = T (*)(Level) noexcept;
    explicit constexpr Dispatched(Selector select) noexcept : select_(select) {}
    T get() noexcept {
        const unsigned g = cap_generation();
        if (generation_.load(std::memory_order_acquire) != g) {
            choice_.store(select_(active()), std::memory_order_relaxed);
            generation_.store(g, std::memory_order_release);
        }
        return choice_.load(std::memory_order_relaxed);
    }

   private:
    Selector select_;
    std::atomic<T> choice_{};
    std::atomic<unsigned> generation_{~0u};
};

// The usual selector body: `fast` from level `min` up, `portable` below.
template <class T>
constexpr T pick(Level level, Level min, T fast, T portable) noexcept {
    return level >= min ? fast : portable;
}

}  // namespace z4ai::simd
