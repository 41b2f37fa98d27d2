// fail_malloc.hpp - allocation failure injection. fail_malloc.cpp replaces
// malloc/calloc/realloc/free (and the aligned forms) for the whole process,
// including libstdc++'s operator new, zstd and brotli, forwarding to glibc's
// __libc_* functions. Arm it to make exactly the n-th allocation from now fail.
#pragma once
#include <cstddef>
#include <cstdint>

namespace z4ai_test::fail_malloc {

void arm(uint64_t nth);  // the nth allocation from now (1 = the next) returns NULL
void disarm();           // no more failures
uint64_t count();        // allocations since the last arm()/disarm()
bool injected();         // true once the armed failure has happened
int64_t live();          // allocations not yet freed (process-wide)

}  // namespace z4ai_test::fail_malloc
