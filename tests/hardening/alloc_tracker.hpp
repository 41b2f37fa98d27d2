// alloc_tracker.hpp - counts the bytes live in operator new (which every core
// buffer and container uses) so a test can assert what a hostile frame made the
// decoder allocate. The replacement operators live in alloc_tracker.cpp.
#pragma once
#include <cstddef>

namespace z4ai_test {

struct AllocStats {
    size_t live = 0;  // bytes currently allocated through operator new
    size_t peak = 0;  // highest `live` since the last reset_peak()
};
AllocStats alloc_stats() noexcept;
void reset_peak() noexcept;

// Peak bytes allocated above the starting level while running fn.
template <typename Fn>
size_t peak_during(Fn&& fn) {
    size_t base = alloc_stats().live;
    reset_peak();
    fn();
    size_t peak = alloc_stats().peak;
    return peak > base ? peak - base : 0;
}

}  // namespace z4ai_test
