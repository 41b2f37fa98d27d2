#include "fail_malloc.hpp"

#include <malloc.h>

#include <atomic>
#include <cerrno>
#include <cstring>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void __libc_free(void*);
void* __libc_memalign(size_t, size_t);
}

namespace {
// Keep big blocks (zstd/brotli tables) on the heap instead of fresh mmaps for each
// of the thousands of runs: the same allocations, far fewer page faults.
const int g_tuned = [] {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    return 0;
}();
std::atomic<uint64_t> g_count{0}, g_fail_at{0};
std::atomic<bool> g_injected{false};
std::atomic<int64_t> g_live{0};

// True when this allocation is the one to fail.
bool fail_now() {
    uint64_t n = g_count.fetch_add(1, std::memory_order_relaxed) + 1;
    uint64_t at = g_fail_at.load(std::memory_order_relaxed);
    if (at && n == at) {
        g_injected.store(true);
        errno = ENOMEM;
        return true;
    }
    return false;
}
void* note(void* p) {
    if (p) g_live.fetch_add(1, std::memory_order_relaxed);
    return p;
}
}  // namespace

namespace z4ai_test::fail_malloc {
void arm(uint64_t nth) {
    g_injected = false;
    g_count = 0;
    g_fail_at = nth;
}
void disarm() {
    g_fail_at = 0;
    g_count = 0;
}
uint64_t count() { return g_count.load(); }
bool injected() { return g_injected.load(); }
int64_t live() { return g_live.load(); }
}  // namespace z4ai_test::fail_malloc

extern "C" {
void* malloc(size_t n) { return fail_now() ? nullptr : note(__libc_malloc(n)); }
void* calloc(size_t n, size_t m) { return fail_now() ? nullptr : note(__libc_calloc(n, m)); }
void free(void* p) {
    if (p) g_live.fetch_sub(1, std::memory_order_relaxed);
    __libc_free(p);
}
void* realloc(void* p, size_t n) {
    if (!p) return malloc(n);
    if (n == 0) {
        free(p);
        return nullptr;
    }
    if (fail_now()) return nullptr;  // p stays valid, as realloc promises
    return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n) { return fail_now() ? nullptr : note(__libc_memalign(a, n)); }
void* aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void** out, size_t a, size_t n) {
    void* p = memalign(a, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
void* valloc(size_t n) { return memalign(4096, n); }
void* pvalloc(size_t n) { return memalign(4096, (n + 4095) & ~size_t(4095)); }
}
