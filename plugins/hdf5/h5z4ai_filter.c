/*
 * h5z4ai_filter.c - the HDF5 filter function of libh5z4ai.so: one HDF5 chunk <-> one
 * z4ai frame. No HDF5 calls here (netCDF's NCZarr backend calls it directly).
 */
#include "h5z4ai.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <z4ai.h>

void h5z4ai_debug(const char* fmt, ...) {
    const char* env = getenv("Z4AI_H5_DEBUG");
    if (!env || !*env || strcmp(env, "0") == 0) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("h5z4ai: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

unsigned h5z4ai_float_dtype(size_t size, size_t exp_bits, size_t mant_bits) {
    if (size == 1 && exp_bits == 4 && mant_bits == 3) return Z4AI_DTYPE_FP8_E4M3;
    if (size == 1 && exp_bits == 5 && mant_bits == 2) return Z4AI_DTYPE_FP8_E5M2;
    if (size == 2 && exp_bits == 5 && mant_bits == 10) return Z4AI_DTYPE_FP16;
    if (size == 2 && exp_bits == 8 && mant_bits == 7) return Z4AI_DTYPE_BF16;
    if (size == 4 && exp_bits == 8 && mant_bits == 23) return Z4AI_DTYPE_FP32;
    if (size == 8 && exp_bits == 11 && mant_bits == 52) return Z4AI_DTYPE_FP64;
    return H5Z4AI_DTYPE_RAW;
}

unsigned h5z4ai_int_dtype(size_t size, int is_signed) {
    switch (size) {
        case 1: return is_signed ? Z4AI_DTYPE_INT8 : Z4AI_DTYPE_UINT8;
        case 2: return is_signed ? Z4AI_DTYPE_INT16 : Z4AI_DTYPE_UINT16;
        case 4: return is_signed ? Z4AI_DTYPE_INT32 : Z4AI_DTYPE_UINT32;
        case 8: return is_signed ? Z4AI_DTYPE_INT64 : Z4AI_DTYPE_UINT64;
        default: return H5Z4AI_DTYPE_RAW;
    }
}

int h5z4ai_check_dtype(unsigned dtype, size_t elem_size) {
    if (dtype == H5Z4AI_DTYPE_AUTO || dtype == H5Z4AI_DTYPE_RAW) return 0;
    size_t w = z4ai_dtype_width((int32_t)dtype);
    if (w == 0) {
        h5z4ai_debug("unknown z4ai dtype code %u in cd_values[3]", dtype);
        return -1;
    }
    if (elem_size != 0 && w != elem_size) {
        h5z4ai_debug("dtype %s is %zu bytes wide but the HDF5 element is %zu bytes",
                     z4ai_dtype_name((int32_t)dtype), w, elem_size);
        return -1;
    }
    return 0;
}

static unsigned slot(size_t n, const unsigned v[], size_t i) { return i < n && v ? v[i] : 0u; }

/* Reverses the byte order of each `width`-byte element in place. */
static void swap_elements(unsigned char* p, size_t n, size_t width) {
    for (size_t i = 0; i + width <= n; i += width)
        for (size_t a = 0, b = width - 1; a < b; ++a, --b) {
            unsigned char t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
}

static size_t decode(size_t cd_nelmts, const unsigned cd_values[], size_t nbytes, size_t* buf_size,
                     void** buf) {
    uint64_t content = 0;
    z4ai_status s = z4ai_frame_content_size(*buf, nbytes, &content);
    if (s != Z4AI_OK || content == Z4AI_CONTENT_SIZE_UNKNOWN || content == 0 || content > SIZE_MAX) {
        h5z4ai_debug("decode: not a complete z4ai frame (%s)", z4ai_status_name(s));
        return 0;
    }
    /* A chunk never decodes to more than the chunk size set_local recorded: refuse a
     * (hostile or corrupt) header that declares more before allocating for it. */
    size_t chunk_bytes = slot(cd_nelmts, cd_values, H5Z4AI_SLOT_CHUNKBYTES);
    if (chunk_bytes != 0 && content > chunk_bytes) {
        h5z4ai_debug("decode: frame declares %llu bytes, more than the %zu-byte chunk",
                     (unsigned long long)content, chunk_bytes);
        return 0;
    }
    unsigned char* out = (unsigned char*)malloc((size_t)content);
    z4ai_dctx* d = z4ai_dctx_create();
    if (!out || !d) {
        free(out);
        z4ai_dctx_free(d);
        return 0;
    }
    size_t got = 0;
    s = z4ai_decompress(d, out, (size_t)content, *buf, nbytes, &got);
    if (s != Z4AI_OK || got != content) {
        h5z4ai_debug("decode: %s: %s", z4ai_status_name(s), z4ai_dctx_last_error(d));
        free(out);
        z4ai_dctx_free(d);
        return 0;
    }
    z4ai_dctx_free(d);
    size_t esize = slot(cd_nelmts, cd_values, H5Z4AI_SLOT_ELEMSIZE);
    if (slot(cd_nelmts, cd_values, H5Z4AI_SLOT_ORDER) == 1 && esize > 1 && got % esize == 0)
        swap_elements(out, got, esize);
    free(*buf);
    *buf = out;
    *buf_size = got;
    return got;
}

static size_t encode(unsigned filter_flags, size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
                     size_t* buf_size, void** buf) {
    size_t esize = slot(cd_nelmts, cd_values, H5Z4AI_SLOT_ELEMSIZE);
    unsigned dtype = slot(cd_nelmts, cd_values, H5Z4AI_SLOT_DTYPE);
    unsigned effort_slot = slot(cd_nelmts, cd_values, H5Z4AI_SLOT_EFFORT);
    unsigned flags = slot(cd_nelmts, cd_values, H5Z4AI_SLOT_FLAGS);
    int big_endian = slot(cd_nelmts, cd_values, H5Z4AI_SLOT_ORDER) == 1 && esize > 1 && nbytes % esize == 0;

    int32_t z_dtype = Z4AI_DTYPE_RAW;
    if (dtype != H5Z4AI_DTYPE_AUTO && dtype != H5Z4AI_DTYPE_RAW) {
        size_t w = z4ai_dtype_width((int32_t)dtype);
        /* Never fail a mandatory filter: a dtype that does not tile the buffer (another
         * filter earlier in the pipeline changed it) falls back to raw bytes. */
        if (w != 0 && nbytes % w == 0) z_dtype = (int32_t)dtype;
    }
    int32_t effort = effort_slot == 1   ? Z4AI_EFFORT_FAST
                     : effort_slot == 3 ? Z4AI_EFFORT_MAX
                                        : Z4AI_EFFORT_DEFAULT;

    const unsigned char* src = (const unsigned char*)*buf;
    unsigned char* swapped = NULL;
    if (big_endian) { /* z4ai's planes expect little-endian elements */
        swapped = (unsigned char*)malloc(nbytes);
        if (!swapped) return 0;
        memcpy(swapped, src, nbytes);
        swap_elements(swapped, nbytes, esize);
        src = swapped;
    }

    z4ai_cctx* c = z4ai_cctx_create();
    size_t cap = z4ai_compress_bound(nbytes);
    unsigned char* out = cap ? (unsigned char*)malloc(cap) : NULL;
    size_t written = 0;
    z4ai_status s = Z4AI_E_MEMORY;
    if (c && out) {
        s = z4ai_cctx_set_param(c, Z4AI_C_DTYPE, z_dtype);
        if (s == Z4AI_OK) s = z4ai_cctx_set_param(c, Z4AI_C_EFFORT, effort);
        if (s == Z4AI_OK) s = z4ai_cctx_set_param(c, Z4AI_C_THREADS, 1);
        if (s == Z4AI_OK)
            s = z4ai_cctx_set_param(c, Z4AI_C_CHECKSUM, (flags & H5Z4AI_FLAG_NO_CHECKSUM) ? 0 : 1);
        /* Record the chunk shape when it describes this buffer exactly. */
        unsigned rank = slot(cd_nelmts, cd_values, H5Z4AI_SLOT_RANK);
        if (s == Z4AI_OK && rank > 0 && rank <= 8 && H5Z4AI_SLOT_DIMS + rank <= cd_nelmts) {
            uint64_t dims[8], prod = z4ai_dtype_width(z_dtype);
            for (unsigned i = 0; i < rank; ++i) {
                dims[i] = cd_values[H5Z4AI_SLOT_DIMS + i];
                prod *= dims[i];
            }
            if (prod == nbytes) z4ai_cctx_set_shape(c, dims, rank); /* optional: ignore failure */
        }
        if (s == Z4AI_OK) s = z4ai_compress(c, out, cap, src, nbytes, &written);
        if (s != Z4AI_OK) h5z4ai_debug("encode: %s: %s", z4ai_status_name(s), z4ai_cctx_last_error(c));
    }
    z4ai_cctx_free(c);
    free(swapped);
    if (s != Z4AI_OK || written == 0) {
        free(out);
        return 0;
    }
    /* An optional filter (h5py's default for plugins) that would grow a chunk (tiny
     * datasets: a 36-byte chunk became a 158-byte frame) declines it: HDF5 then stores
     * the chunk as it is and marks it unfiltered in the chunk's filter mask. */
    if ((filter_flags & 0x0001u /* H5Z_FLAG_OPTIONAL */) && written >= nbytes) {
        free(out);
        return 0;
    }
    free(*buf);
    *buf = out;
    *buf_size = cap;
    return written;
}

size_t h5z4ai_filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
                     size_t* buf_size, void** buf) {
    if (!buf || !*buf || !buf_size || nbytes == 0) return 0;
    if (flags & 0x0100u /* H5Z_FLAG_REVERSE */) return decode(cd_nelmts, cd_values, nbytes, buf_size, buf);
    return encode(flags, cd_nelmts, cd_values, nbytes, buf_size, buf);
}
