// planes_simd_test.cpp - the vector plane split/merge kernels give exactly the
// portable loops' bytes, for every width, rotation and awkward length.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "simd/cpu.hpp"
#include "transform/planes.hpp"

using namespace z4ai;

namespace {

struct CapGuard {
    ~CapGuard() { simd::set_cap(simd::Level::avx512); }
};

TEST(PlanesSimd, SplitAndMergeMatchScalarAtEveryLevel) {
    CapGuard guard;
    std::mt19937 rng(3);
    for (unsigned width : {2u, 4u, 8u})
        for (bool rotate : {false, true})
            for (size_t n : {size_t(0), size_t(1), size_t(15), size_t(16), size_t(31), size_t(32), size_t(33),
                             size_t(63), size_t(64), size_t(65), size_t(1000), size_t(4099)}) {
                std::vector<uint8_t> in(n * width);
                for (auto& b : in) b = static_cast<uint8_t>(rng());
                std::vector<uint8_t> ref_planes, ref_out;
                for (simd::Level level : {simd::Level::scalar, simd::Level::avx2, simd::Level::avx512}) {
                    simd::set_cap(level);
                    std::vector<uint8_t> planes(n * width + 1, 0xEE);
                    uint8_t* p[8];
                    for (unsigned k = 0; k < width; ++k) p[k] = planes.data() + k * n;
                    split_planes(in.data(), n, width, rotate, p);
                    ASSERT_EQ(planes.back(), 0xEE);
                    std::vector<uint8_t> out(n * width + 1, 0xEE);
                    const uint8_t* cp[8];
                    for (unsigned k = 0; k < width; ++k) cp[k] = p[k];
                    merge_planes(cp, n, width, rotate, out.data());
                    ASSERT_EQ(out.back(), 0xEE);
                    out.pop_back();
                    ASSERT_EQ(out, in) << "width " << width << " rotate " << rotate << " n " << n << " at "
                                       << simd::level_name(level);
                    if (level == simd::Level::scalar)
                        ref_planes = planes;
                    else
                        ASSERT_EQ(planes, ref_planes) << "split differs at " << simd::level_name(level);
                }
            }
}

}  // namespace
