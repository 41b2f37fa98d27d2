// capi_stream.cpp - streaming entry points (struct and flat-argument forms).
#include "capi_internal.hpp"

using z4ai::Code;
using z4ai::fail;
using z4ai::capi::guarded;
using z4ai::capi::require_ptr;

namespace {

void check_positions(size_t dst_size, size_t dst_pos, size_t src_size, size_t src_pos) {
    if (dst_pos > dst_size || src_pos > src_size)
        fail(Code::invalid_argument, "buffer position beyond its size");
}

}  // namespace

extern "C" {

z4ai_status z4ai_compress_stream_args(z4ai_cctx* cctx, void* dst, size_t dst_size, size_t* dst_pos,
                                      const void* src, size_t src_size, size_t* src_pos, int32_t end_op,
                                      size_t* remaining) {
    return guarded(cctx, [&] {
        require_ptr(dst_pos, "dst_pos");
        require_ptr(src_pos, "src_pos");
        require_ptr(remaining, "remaining");
        if (dst_size) require_ptr(dst, "dst");
        if (src_size) require_ptr(src, "src");
        if (end_op < Z4AI_CONTINUE || end_op > Z4AI_END) fail(Code::invalid_argument, "unknown end_op");
        check_positions(dst_size, *dst_pos, src_size, *src_pos);
        z4ai::OutSpan out{static_cast<uint8_t*>(dst), dst_size, *dst_pos};
        z4ai::InSpan in{static_cast<const uint8_t*>(src), src_size, *src_pos};
        try {
            *remaining = cctx->encoder.stream(out, in, static_cast<z4ai::EndOp>(end_op));
        } catch (...) {
            // A failed frame cannot be continued: start clean next time.
            cctx->encoder.reset_session();
            *dst_pos = out.pos;
            *src_pos = in.pos;
            throw;
        }
        *dst_pos = out.pos;
        *src_pos = in.pos;
    });
}

z4ai_status z4ai_compress_stream(z4ai_cctx* cctx, z4ai_out_buffer* output, z4ai_in_buffer* input,
                                 int32_t end_op, size_t* remaining) {
    if (!output || !input) return Z4AI_E_INVALID_ARGUMENT;
    return z4ai_compress_stream_args(cctx, output->dst, output->size, &output->pos, input->src, input->size,
                                     &input->pos, end_op, remaining);
}

z4ai_status z4ai_decompress_stream_args(z4ai_dctx* dctx, void* dst, size_t dst_size, size_t* dst_pos,
                                        const void* src, size_t src_size, size_t* src_pos,
                                        size_t* remaining) {
    return guarded(dctx, [&] {
        require_ptr(dst_pos, "dst_pos");
        require_ptr(src_pos, "src_pos");
        require_ptr(remaining, "remaining");
        if (dst_size) require_ptr(dst, "dst");
        if (src_size) require_ptr(src, "src");
        check_positions(dst_size, *dst_pos, src_size, *src_pos);
        z4ai::OutSpan out{static_cast<uint8_t*>(dst), dst_size, *dst_pos};
        z4ai::InSpan in{static_cast<const uint8_t*>(src), src_size, *src_pos};
        try {
            *remaining = dctx->decoder.stream(out, in);
        } catch (...) {
            dctx->decoder.reset_session();
            *dst_pos = out.pos;
            *src_pos = in.pos;
            throw;
        }
        *dst_pos = out.pos;
        *src_pos = in.pos;
    });
}

z4ai_status z4ai_decompress_stream(z4ai_dctx* dctx, z4ai_out_buffer* output, z4ai_in_buffer* input,
                                   size_t* remaining) {
    if (!output || !input) return Z4AI_E_INVALID_ARGUMENT;
    return z4ai_decompress_stream_args(dctx, output->dst, output->size, &output->pos, input->src, input->size,
                                       &input->pos, remaining);
}

size_t z4ai_cstream_in_size(const z4ai_cctx* cctx) {
    return cctx ? cctx->encoder.recommended_input_size() : 0;
}

size_t z4ai_dstream_out_size(const z4ai_dctx* dctx) {
    return dctx ? dctx->decoder.recommended_output_size() : 0;
}

}  // extern "C"
