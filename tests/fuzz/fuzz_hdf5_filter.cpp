// fuzz_hdf5_filter: the HDF5/netCDF filter function h5z4ai_filter (plugins/hdf5),
// called the way HDF5 calls it: a malloc'd chunk it may free and replace.
// Input: byte 0 picks the direction (bit 0: decode the rest as a stored chunk;
// else encode it and decode the result), byte 1 the number of cd_values, then the
// cd_values (u32 each), then the chunk. Invariants: a failed call returns 0 and
// leaves the caller's buffer as it was; an encoded chunk decodes to the same bytes
// (byte order restored); a decode never returns more than the chunk size slot.
#include "fuzz_common.hpp"

extern "C" {
#include "h5z4ai.h"
}

using namespace z4ai_fuzz;

namespace {

struct Chunk {
    void* buf = nullptr;
    size_t size = 0;
    ~Chunk() { std::free(buf); }
    // A malloc'd copy of exactly n bytes (ASan sees a read past its end).
    void assign(const uint8_t* p, size_t n) {
        std::free(buf);
        buf = std::malloc(n ? n : 1);
        if (!buf) std::abort();
        if (n) std::memcpy(buf, p, n);
        size = n;
    }
};

// Calls the filter and checks the contract HDF5 relies on.
size_t call(unsigned flags, size_t nvals, const unsigned* vals, size_t nbytes, Chunk& c) {
    void* before = c.buf;
    size_t before_size = c.size;
    size_t n = h5z4ai_filter(flags, nvals, vals, nbytes, &c.size, &c.buf);
    if (n == 0) {
        check(c.buf == before && c.size == before_size, "failed filter call changed the buffer");
    } else {
        check(c.buf != nullptr && n <= c.size, "filter result larger than its buffer");
    }
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    const bool decode_only = in.u8() & 1;
    size_t nvals = in.u8() % (H5Z4AI_MAX_SLOTS + 3);
    unsigned vals[H5Z4AI_MAX_SLOTS + 3] = {};
    for (size_t i = 0; i < nvals; ++i) vals[i] = in.u32();
    // The chunk size slot bounds what a decode may allocate; keep one input cheap.
    if (nvals > H5Z4AI_SLOT_CHUNKBYTES &&
        (vals[H5Z4AI_SLOT_CHUNKBYTES] == 0 || vals[H5Z4AI_SLOT_CHUNKBYTES] > kMaxOutput))
        vals[H5Z4AI_SLOT_CHUNKBYTES] = static_cast<unsigned>(kMaxOutput);
    if (nvals <= H5Z4AI_SLOT_CHUNKBYTES) {
        uint64_t content = 0;
        if (z4ai_frame_content_size(in.rest(), in.rest_size(), &content) == Z4AI_OK && content > kMaxOutput)
            return 0;  // no chunk size to bound the allocation: the caller's job
    }
    const unsigned decode_flag = 0x0100u;  // H5Z_FLAG_REVERSE
    const uint8_t* src = in.rest();
    size_t n = in.rest_size();
    if (n == 0) return 0;

    Chunk c;
    c.assign(src, n);
    if (decode_only) {
        size_t got = call(decode_flag, nvals, vals, n, c);
        if (got && nvals > H5Z4AI_SLOT_CHUNKBYTES)
            check(got <= vals[H5Z4AI_SLOT_CHUNKBYTES], "decoded past the chunk size");
        return 0;
    }
    size_t enc = call(0, nvals, vals, n, c);
    if (enc == 0) return 0;  // e.g. a dtype slot the filter rejects
    // Decode it back with the values set_local would have recorded.
    unsigned dvals[H5Z4AI_MAX_SLOTS + 3];
    std::memcpy(dvals, vals, sizeof dvals);
    size_t dn = std::max<size_t>(nvals, H5Z4AI_SLOT_CHUNKBYTES + 1);
    dvals[H5Z4AI_SLOT_CHUNKBYTES] = static_cast<unsigned>(n);
    size_t dec = call(decode_flag, dn, dvals, enc, c);
    check(dec == n, "encoded chunk did not decode to its size");
    check(same(c.buf, src, n), "hdf5 filter round trip changed the chunk");
    return 0;
}
