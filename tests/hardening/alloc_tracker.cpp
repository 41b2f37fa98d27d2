// alloc_tracker.cpp - replacement global operator new/delete that keep byte
// counts (sizes from malloc_usable_size, so sized and unsized deletes agree).
#include "alloc_tracker.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<size_t> g_live{0}, g_peak{0};

void* track(void* p) {
    if (p) {
        size_t now = g_live.fetch_add(malloc_usable_size(p)) + malloc_usable_size(p);
        size_t peak = g_peak.load();
        while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
        }
    }
    return p;
}
void untrack(void* p) {
    if (p) g_live.fetch_sub(malloc_usable_size(p));
    std::free(p);
}
}  // namespace

namespace z4ai_test {
AllocStats alloc_stats() noexcept { return {g_live.load(), g_peak.load()}; }
void reset_peak() noexcept { g_peak.store(g_live.load()); }
}  // namespace z4ai_test

void* operator new(size_t n) {
    void* p = track(std::malloc(n ? n : 1));
    if (!p) throw std::bad_alloc();
    return p;
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return track(std::malloc(n ? n : 1)); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return track(std::malloc(n ? n : 1)); }
void operator delete(void* p) noexcept { untrack(p); }
void operator delete[](void* p) noexcept { untrack(p); }
void operator delete(void* p, size_t) noexcept { untrack(p); }
void operator delete[](void* p, size_t) noexcept { untrack(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { untrack(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { untrack(p); }
