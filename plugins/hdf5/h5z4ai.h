/*
 * h5z4ai.h - shared definitions of the z4ai HDF5 filter plugin (libh5z4ai.so).
 *
 * cd_values layout (all unsigned int). "R" slots are filled by set_local (HDF5) or
 * NCZ_modify_parameters (netCDF); users pass 0 there, so `h5repack -f UD=<id>,0,1,0`
 * is valid and set_local is idempotent on its own output.
 *   [0] R  plugin (glue) revision, 1
 *   [1] R  z4ai frame format version written
 *   [2] R  element size in bytes (base type for H5T_ARRAY)
 *   [3]    z4ai dtype code: 0 = auto (from the HDF5 type), else an override such as
 *          13 (bf16 stored as a 16-bit integer); 255 = raw bytes. set_local writes the
 *          resolved code here.
 *   [4] R  chunk size in bytes (0 = unknown); decoding refuses a frame that declares
 *          more than this
 *   [5]    effort: 0 = default, 1 = fast, 2 = default, 3 = max
 *   [6]    flags: bit 0 set = no per-chunk checksum (0 = checksums on, the default)
 *   [7] R  byte order of the stored type: 0 little-endian, 1 big-endian
 *   [8] R  chunk rank, [9 ..] chunk dims (when they fit)
 * The frame describes itself: decoding only uses [2] and [7] (to restore big-endian).
 */
#ifndef H5Z4AI_H
#define H5Z4AI_H

#include <stddef.h>

#ifndef Z4AI_H5_FILTER_ID
/* From HDF5's testing range 256-511 until The HDF Group assigns a registered ID. */
#define Z4AI_H5_FILTER_ID 392
#endif

#define H5Z4AI_REVISION 1u
#define H5Z4AI_NAME "z4ai lossless weight codec; see docs/PLUGINS.md"

enum {
    H5Z4AI_SLOT_REVISION = 0,
    H5Z4AI_SLOT_FORMAT = 1,
    H5Z4AI_SLOT_ELEMSIZE = 2,
    H5Z4AI_SLOT_DTYPE = 3,
    H5Z4AI_SLOT_CHUNKBYTES = 4,
    H5Z4AI_SLOT_EFFORT = 5,
    H5Z4AI_SLOT_FLAGS = 6,
    H5Z4AI_SLOT_ORDER = 7,
    H5Z4AI_SLOT_RANK = 8,
    H5Z4AI_SLOT_DIMS = 9,
    H5Z4AI_NSLOTS_FIXED = 9, /* slots 0..8 */
    H5Z4AI_MAX_RANK = 32,
    H5Z4AI_MAX_SLOTS = H5Z4AI_SLOT_DIMS + H5Z4AI_MAX_RANK
};

#define H5Z4AI_DTYPE_AUTO 0u
#define H5Z4AI_DTYPE_RAW 255u
#define H5Z4AI_FLAG_NO_CHECKSUM 1u

/* The filter function (H5Z_func_t signature). It makes no HDF5 calls, so netCDF's
 * NCZarr backend may call it without HDF5. */
size_t h5z4ai_filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
                     size_t* buf_size, void** buf);

/* z4ai dtype code for a floating-point type of `size` bytes with the given exponent and
 * mantissa widths (from H5Tget_fields / netCDF type), H5Z4AI_DTYPE_RAW if none fits. */
unsigned h5z4ai_float_dtype(size_t size, size_t exp_bits, size_t mant_bits);
/* z4ai dtype code for an integer of `size` bytes, signed or not. */
unsigned h5z4ai_int_dtype(size_t size, int is_signed);
/* Checks an explicit dtype slot against the element size; 0 if acceptable. */
int h5z4ai_check_dtype(unsigned dtype, size_t elem_size);

/* Diagnostics on stderr when Z4AI_H5_DEBUG is set (HDF5 may hide a filter's errors). */
void h5z4ai_debug(const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif /* H5Z4AI_H */
