#include "transform/narrow.hpp"

#include <cstring>

#include "transform/exception_list.hpp"
#include "transform/floatbits.hpp"
#include "util/le.hpp"
#include "util/status.hpp"

namespace z4ai {
namespace {

// Narrows one element; false when it does not widen back to the same bits.
inline bool narrow_one(const uint8_t* p, NarrowMode m, uint8_t* out) noexcept {
    switch (m) {
        case NarrowMode::fp32_as_bf16: {
            uint32_t f = load_u32(p);
            if (f & 0xFFFF) return false;
            store_u16(out, static_cast<uint16_t>(f >> 16));
            return true;
        }
        case NarrowMode::fp32_as_fp16: {
            uint16_t h;
            bool ok = fp32_to_fp16_exact(load_u32(p), &h);
            store_u16(out, ok ? h : 0);
            return ok;
        }
        case NarrowMode::fp64_as_fp32: {
            uint32_t f;
            bool ok = fp64_to_fp32_exact(load_u64(p), &f);
            store_u32(out, ok ? f : 0);
            return ok;
        }
    }
    return false;
}

inline void widen_one(const uint8_t* p, NarrowMode m, uint8_t* out) noexcept {
    switch (m) {
        case NarrowMode::fp32_as_bf16: store_u32(out, bf16_to_fp32_bits(load_u16(p))); break;
        case NarrowMode::fp32_as_fp16: store_u32(out, fp16_to_fp32_bits(load_u16(p))); break;
        case NarrowMode::fp64_as_fp32: store_u64(out, fp32_to_fp64_bits(load_u32(p))); break;
    }
}

}  // namespace

bool narrow_mode_valid(uint8_t mode) noexcept { return mode >= 1 && mode <= 3; }

unsigned narrow_wide_width(NarrowMode m) noexcept { return m == NarrowMode::fp64_as_fp32 ? 8 : 4; }
unsigned narrow_narrow_width(NarrowMode m) noexcept { return m == NarrowMode::fp64_as_fp32 ? 4 : 2; }

const char* narrow_mode_name(NarrowMode m) noexcept {
    switch (m) {
        case NarrowMode::fp32_as_bf16: return "fp32-as-bf16";
        case NarrowMode::fp32_as_fp16: return "fp32-as-fp16";
        case NarrowMode::fp64_as_fp32: return "fp64-as-fp32";
    }
    return "unknown";
}

size_t narrow_count_misses(const uint8_t* in, size_t elements, NarrowMode m, size_t limit) noexcept {
    const unsigned w = narrow_wide_width(m);
    size_t misses = 0;
    uint8_t scratch[4];
    if (m == NarrowMode::fp32_as_bf16) {
        for (size_t i = 0; i < elements; ++i) {
            misses += (load_u32(in + 4 * i) & 0xFFFF) != 0;
            if ((i & 4095) == 4095 && misses > limit) return misses;
        }
        return misses;
    }
    for (size_t i = 0; i < elements; ++i) {
        if (!narrow_one(in + w * i, m, scratch) && ++misses > limit) return misses;
    }
    return misses;
}

size_t narrow_split(const uint8_t* in, size_t elements, NarrowMode m, uint8_t* narrow, Buffer& index,
                    Buffer& values) {
    const unsigned w = narrow_wide_width(m), nw = narrow_narrow_width(m);
    ExceptionWriter ex(index);
    values.clear();
    for (size_t i = 0; i < elements; ++i) {
        if (!narrow_one(in + w * i, m, narrow + nw * i)) {
            std::memset(narrow + nw * i, 0, nw);
            ex.add(i);
            values.append(in + w * i, w);
        }
    }
    return ex.count();
}

void narrow_merge(const uint8_t* narrow, size_t elements, NarrowMode m, Bytes index, Bytes values,
                  uint8_t* out, uint64_t offset) {
    const unsigned w = narrow_wide_width(m), nw = narrow_narrow_width(m);
    if (values.size() % w) fail_corrupt("narrow exception values are not whole elements", offset);
    const size_t count = values.size() / w;
    ExceptionReader ex(index, elements, offset);
    size_t taken = 0;
    for (size_t i = 0; i < elements; ++i) {
        if (ex.peek() == i) {
            if (taken == count) fail_corrupt("more narrow exceptions than exception values", offset);
            std::memcpy(out + w * i, values.data() + w * taken++, w);
            ex.pop();
        } else {
            widen_one(narrow + nw * i, m, out + w * i);
        }
    }
    if (ex.peek() != UINT64_MAX || taken != count)
        fail_corrupt("narrow exception list does not match its values", offset);
}

}  // namespace z4ai
