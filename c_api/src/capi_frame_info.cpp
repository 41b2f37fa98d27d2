// capi_frame_info.cpp - frame inspection without a context.
#include <cstring>

#include "capi_internal.hpp"
#include "codec/describe.hpp"
#include "frame/frame_index.hpp"

using z4ai::Bytes;
using z4ai::capi::require_ptr;
using z4ai::capi::translate;

namespace {

z4ai::FrameHeader header_of(const void* src, size_t src_size) {
    require_ptr(src, "src");
    size_t used = 0;
    return z4ai::parse_header(Bytes(static_cast<const uint8_t*>(src), src_size), &used);
}

}  // namespace

extern "C" {

z4ai_status z4ai_frame_content_size(const void* src, size_t src_size, uint64_t* size) {
    return translate(nullptr, [&] {
        require_ptr(size, "size");
        z4ai::FrameHeader h = header_of(src, src_size);
        if (h.content_size_known) {
            *size = h.content_size;
            return;
        }
        // Streamed frame: the footer knows, if the whole frame is here.
        try {
            *size =
                z4ai::FrameIndex::from_buffer(Bytes(static_cast<const uint8_t*>(src), src_size)).content_size;
        } catch (const z4ai::Error& e) {
            if (e.code() != z4ai::Code::truncated) throw;
            *size = Z4AI_CONTENT_SIZE_UNKNOWN;
        }
    });
}

z4ai_status z4ai_frame_compressed_size(const void* src, size_t src_size, size_t* size) {
    return translate(nullptr, [&] {
        require_ptr(size, "size");
        require_ptr(src, "src");
        *size = z4ai::FrameIndex::from_buffer(Bytes(static_cast<const uint8_t*>(src), src_size)).frame_size;
    });
}

z4ai_status z4ai_frame_dtype(const void* src, size_t src_size, int32_t* dtype) {
    return translate(nullptr, [&] {
        require_ptr(dtype, "dtype");
        *dtype = header_of(src, src_size).dtype;
    });
}

z4ai_status z4ai_frame_shape(const void* src, size_t src_size, uint64_t* dims, size_t dims_capacity,
                             size_t* ndim) {
    return translate(nullptr, [&] {
        require_ptr(ndim, "ndim");
        if (dims_capacity) require_ptr(dims, "dims");
        z4ai::FrameHeader h = header_of(src, src_size);
        for (size_t i = 0; i < h.ndim && i < dims_capacity; ++i) dims[i] = h.dims[i];
        *ndim = h.ndim;
    });
}

z4ai_status z4ai_frame_describe(const void* src, size_t src_size, char* dst, size_t dst_capacity,
                                size_t* written) {
    return translate(nullptr, [&] {
        require_ptr(written, "written");
        require_ptr(src, "src");
        std::string json = z4ai::describe_frame(Bytes(static_cast<const uint8_t*>(src), src_size));
        *written = json.size();
        if (dst_capacity < json.size() + 1) {
            *written = json.size() + 1;
            z4ai::fail(z4ai::Code::dst_too_small,
                       "description needs " + std::to_string(json.size() + 1) + " bytes");
        }
        std::memcpy(dst, json.c_str(), json.size() + 1);
    });
}

}  // extern "C"
