/*
 * z4ai.h - the stable C ABI of z4ai, a lossless codec for neural-network weights.
 *
 * Conventions (hold for every function below):
 *  - Every function that can fail returns a z4ai_status: 0 (Z4AI_OK) or a negative
 *    code. Codes are pinned: a number is never reused or renumbered.
 *  - The caller owns every buffer. Sizes come back through out-parameters.
 *  - Inputs are never modified (const all the way down).
 *  - Contexts (z4ai_cctx, z4ai_dctx) are opaque. A context may be moved between
 *    threads but must not be used by two threads at once; distinct contexts are
 *    fully independent (there is no global state and no global init).
 *  - *_free(NULL) is a no-op.
 *  - After an error, z4ai_cctx_last_error()/z4ai_dctx_last_error() describe it
 *    (byte offset, parameter, ...). The context stays usable for new operations.
 *    Calls that take no context describe it in z4ai_last_error() (per thread).
 *  - Structs the library fills whose layout may grow start with a size field
 *    (struct_size = sizeof the caller's struct; *_init() sets it); the library
 *    fills what both sides know and zeroes the rest.
 *  - No C++ type or exception crosses this boundary. C99.
 *
 * Stability: everything declared here is stable within a major version
 * (SOVERSION = major). New functions and enum values are only ever added.
 */
#ifndef Z4AI_H
#define Z4AI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- export and version ------------------------------------------------- */

#if defined(_WIN32) && defined(Z4AI_DLL_EXPORT)
#define Z4AI_API __declspec(dllexport)
#elif defined(_WIN32) && defined(Z4AI_DLL_IMPORT)
#define Z4AI_API __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define Z4AI_API __attribute__((visibility("default")))
#else
#define Z4AI_API
#endif

#define Z4AI_VERSION_MAJOR 0
#define Z4AI_VERSION_MINOR 4
#define Z4AI_VERSION_PATCH 0
#define Z4AI_VERSION_NUMBER (Z4AI_VERSION_MAJOR * 10000 + Z4AI_VERSION_MINOR * 100 + Z4AI_VERSION_PATCH)

/** Z4AI_VERSION_NUMBER of the library actually loaded. */
Z4AI_API uint32_t z4ai_version_number(void);
/** "MAJOR.MINOR.PATCH" of the library actually loaded (static storage). */
Z4AI_API const char* z4ai_version_string(void);

/** Highest frame format version this library reads and writes. */
#define Z4AI_FORMAT_VERSION 1

/* ---- status codes (pinned) ---------------------------------------------- */

typedef int32_t z4ai_status;

enum {
    Z4AI_OK = 0,
    Z4AI_E_GENERIC = -1,             /* unclassified failure */
    Z4AI_E_MEMORY = -2,              /* an allocation failed */
    Z4AI_E_DST_TOO_SMALL = -3,       /* output buffer cannot hold the result */
    Z4AI_E_CORRUPT = -4,             /* input is not a valid frame / is damaged */
    Z4AI_E_CHECKSUM = -5,            /* decoded data does not match its checksum */
    Z4AI_E_PARAM_UNSUPPORTED = -6,   /* unknown parameter id */
    Z4AI_E_PARAM_OUT_OF_BOUNDS = -7, /* parameter value outside its bounds */
    Z4AI_E_STAGE_WRONG = -8,         /* call not valid in the context's current state */
    Z4AI_E_VERSION_UNSUPPORTED = -9, /* frame written by a newer format version */
    Z4AI_E_INVALID_ARGUMENT = -10,   /* NULL where a pointer is required, bad enum, ... */
    Z4AI_E_DTYPE_UNKNOWN = -11,      /* dtype code or name not known */
    Z4AI_E_TRUNCATED = -12,          /* input ends before the frame does */
    Z4AI_E_REFERENCE_MISMATCH = -13, /* delta frame: reference has wrong length/digest */
    Z4AI_E_REFERENCE_MISSING = -14,  /* delta frame decoded without a reference */
    Z4AI_E_MEMORY_LIMIT = -15,       /* decoding would exceed Z4AI_D_MAX_MEMORY */
    Z4AI_E_IO = -16,                 /* a read/write callback or file operation failed */
    Z4AI_E_NOT_FOUND = -17,          /* named item (e.g. tensor) does not exist */
    Z4AI_E_UNKNOWN_FORMAT = -18,     /* input does not start with a z4ai magic number */
    Z4AI_E_INTERNAL = -19,           /* a bug in z4ai; please report */
    Z4AI_E_BUSY = -20,               /* context used by two threads at once (detected) */
    Z4AI_E_SRC_TOO_LARGE = -21,      /* input larger than the format can describe */
    Z4AI_E_SAFETENSORS_INVALID = -22, /* not a valid .safetensors file: header length, JSON,
                                         dtype, shape, offsets (out of range, overlapping),
                                         duplicate names */
    Z4AI_E_WRONG_KIND = -23           /* valid input of another kind than the call needs (e.g. a
                                         model delta given to z4ai_safetensors_decompress) */
};

/** Static name of a status code, e.g. "Z4AI_E_CORRUPT"; "Z4AI_E_UNKNOWN_STATUS" if unknown. */
Z4AI_API const char* z4ai_status_name(z4ai_status status);
/** Detail of the last failed call on this thread that takes no context (frame
 *  inspection, z4ai_detect_kind, z4ai_safetensors_compress_bound, ...); "" after a
 *  success. Valid until the thread's next such call. */
Z4AI_API const char* z4ai_last_error(void);
/** Non-zero if status denotes an error. */
Z4AI_API int z4ai_is_error(z4ai_status status);

/* ---- element types ------------------------------------------------------ */

/* Codes are stored in frames: pinned forever. */
typedef enum {
    Z4AI_DTYPE_RAW = 0, /* opaque bytes */
    Z4AI_DTYPE_BOOL = 1,
    Z4AI_DTYPE_UINT8 = 2,
    Z4AI_DTYPE_INT8 = 3,
    Z4AI_DTYPE_UINT16 = 4,
    Z4AI_DTYPE_INT16 = 5,
    Z4AI_DTYPE_UINT32 = 6,
    Z4AI_DTYPE_INT32 = 7,
    Z4AI_DTYPE_UINT64 = 8,
    Z4AI_DTYPE_INT64 = 9,
    Z4AI_DTYPE_FP8_E4M3 = 10,
    Z4AI_DTYPE_FP8_E5M2 = 11,
    Z4AI_DTYPE_FP16 = 12,
    Z4AI_DTYPE_BF16 = 13,
    Z4AI_DTYPE_FP32 = 14,
    Z4AI_DTYPE_FP64 = 15,
    /* safetensors 0.8's further dtypes (coded as plain bytes/words): */
    Z4AI_DTYPE_COMPLEX64 = 16,    /* two fp32 (real, imaginary); safetensors C64 */
    Z4AI_DTYPE_FP8_E8M0 = 17,     /* exponent-only scale (float8_e8m0fnu); F8_E8M0 */
    Z4AI_DTYPE_FP8_E4M3FNUZ = 18, /* F8_E4M3FNUZ */
    Z4AI_DTYPE_FP8_E5M2FNUZ = 19, /* F8_E5M2FNUZ */
    Z4AI_DTYPE_FP4_E2M1_X2 = 20   /* two fp4 e2m1 per byte (float4_e2m1fn_x2); safetensors F4,
                                     whose shape counts 4-bit values: width here is the byte */
} z4ai_dtype;

/** Element width in bytes of a dtype code (RAW: 1); 0 if the code is unknown. */
Z4AI_API size_t z4ai_dtype_width(int32_t dtype);
/** Canonical name ("bf16", "fp32", ...); NULL if unknown. */
Z4AI_API const char* z4ai_dtype_name(int32_t dtype);
/** Parse a name (canonical names and aliases such as "bfloat16", "float32", "f32",
 *  "int8", "uint8") into *dtype. Z4AI_E_DTYPE_UNKNOWN if not recognised. */
Z4AI_API z4ai_status z4ai_dtype_from_name(const char* name, int32_t* dtype);

/* ---- parameters --------------------------------------------------------- */

typedef enum {
    Z4AI_EFFORT_FAST = 0,    /* maximum decode speed */
    Z4AI_EFFORT_DEFAULT = 1, /* balanced */
    Z4AI_EFFORT_MAX = 2      /* smallest output; never larger than DEFAULT */
} z4ai_effort;
/** Parse "fast", "default" (or "balanced") or "max" into *effort, the one spelling the
 *  CLI, the HDF5/netCDF codec and the bindings accept. Z4AI_E_PARAM_OUT_OF_BOUNDS if
 *  not recognised, Z4AI_E_INVALID_ARGUMENT for NULL. */
Z4AI_API z4ai_status z4ai_effort_from_name(const char* name, int32_t* effort);
/** "fast", "default" or "max"; NULL for any other value. */
Z4AI_API const char* z4ai_effort_name(int32_t effort);

/* Compression parameters. 100..199 stable; 1000..1999 reserved for experiments. */
typedef enum {
    Z4AI_C_LEVEL = 100,         /* zstd level (1..22) replacing the highest one the effort tier
                                   runs: the LZ stage's at FAST (1) and DEFAULT (3), the strong
                                   pass's at MAX (19); 0 = the tier's (core/codec/effort.cpp) */
    Z4AI_C_EFFORT = 101,        /* z4ai_effort; default Z4AI_EFFORT_DEFAULT */
    Z4AI_C_DTYPE = 102,         /* z4ai_dtype; default Z4AI_DTYPE_RAW */
    Z4AI_C_THREADS = 103,       /* 0 = all cores, 1 = caller thread only, n; default 1 */
    Z4AI_C_CHUNK_SIZE = 104,    /* bytes per independently decodable chunk: power of two
                                   in [4 KiB, 256 MiB]; 0 = tier default */
    Z4AI_C_CHECKSUM = 105,      /* 1 = per-chunk content checksum (default), 0 = off */
    Z4AI_C_LONG_DISTANCE = 106, /* 1 = zstd long-distance matching in LZ stages; default 0 */
    Z4AI_C_WINDOW_LOG = 107,    /* zstd window log for LZ stages; 0 = automatic */
    Z4AI_C_DEDUP = 108,         /* 1 = store repeated chunks once (default), 0 = off */
    Z4AI_C_STRUCTURE = 120,     /* 1 = detect dead mantissa bits, scaled integers and palettes
                                   per chunk (default), 0 = off (for comparisons) */
    /* 130..139: containers (.zstn) and model deltas (.z4dm) */
    Z4AI_C_TENSOR_DEDUP = 130,  /* 1 = store identical tensors (tied weights) once (default) */
    Z4AI_C_MATCH_RENAMED = 131  /* model delta: 1 = pair a tensor that has no same-name base
                                   tensor with the most similar base tensor of the same dtype
                                   and size (renamed layers), default 1; 0 = by name/digest only */
} z4ai_cparam;

/* Decompression parameters. 200..299 stable; 2000..2999 reserved. */
typedef enum {
    Z4AI_D_THREADS = 200,        /* 0 = all cores, 1 (default), n */
    Z4AI_D_MAX_MEMORY = 201,     /* bytes of working memory a frame may demand;
                                    default 1 GiB; 0 = the default */
    Z4AI_D_VERIFY_CHECKSUM = 202, /* 1 = verify checksums when present (default), 0 = skip */
    /* 210..219: containers and model deltas */
    Z4AI_D_VERIFY_BASE = 210      /* model delta: 1 = check the base's XXH3-128 digest (default);
                                     0 = check only its size (the caller vouches for it) */
} z4ai_dparam;

/** Valid range of a compression parameter. */
Z4AI_API z4ai_status z4ai_cparam_bounds(int32_t param, int64_t* lower, int64_t* upper);
/** Valid range of a decompression parameter. */
Z4AI_API z4ai_status z4ai_dparam_bounds(int32_t param, int64_t* lower, int64_t* upper);

/* ---- contexts ----------------------------------------------------------- */

typedef struct z4ai_cctx_s z4ai_cctx;
typedef struct z4ai_dctx_s z4ai_dctx;

/** New compression context with default parameters; NULL if out of memory. */
Z4AI_API z4ai_cctx* z4ai_cctx_create(void);
Z4AI_API void z4ai_cctx_free(z4ai_cctx* cctx);
Z4AI_API z4ai_status z4ai_cctx_set_param(z4ai_cctx* cctx, int32_t param, int64_t value);
Z4AI_API z4ai_status z4ai_cctx_get_param(const z4ai_cctx* cctx, int32_t param, int64_t* value);
/** Tensor shape recorded in the frame (at most 8 dims). The product of dims times the
 *  dtype width must equal the content size when the frame is written. ndim = 0 clears it. */
Z4AI_API z4ai_status z4ai_cctx_set_shape(z4ai_cctx* cctx, const uint64_t* dims, size_t ndim);
/** Content size the next streaming frame will have (lets the header record it). */
Z4AI_API z4ai_status z4ai_cctx_set_pledged_size(z4ai_cctx* cctx, uint64_t size);
/** Compress against a reference (checkpoint delta). The reference is NOT copied: it must
 *  stay valid and unchanged until replaced, cleared (ref = NULL) or the context is freed.
 *  The frame records the reference's length and XXH3-128 digest. */
Z4AI_API z4ai_status z4ai_cctx_ref_reference(z4ai_cctx* cctx, const void* ref, size_t ref_size);

typedef enum {
    Z4AI_RESET_SESSION = 1,    /* abandon any streaming frame in progress */
    Z4AI_RESET_PARAMETERS = 2, /* parameters, shape and reference back to defaults */
    Z4AI_RESET_BOTH = 3
} z4ai_reset_directive;
Z4AI_API z4ai_status z4ai_cctx_reset(z4ai_cctx* cctx, int32_t directive);
/** Detail of the last error on this context ("" if none). Valid until the next call. */
Z4AI_API const char* z4ai_cctx_last_error(const z4ai_cctx* cctx);

Z4AI_API z4ai_dctx* z4ai_dctx_create(void);
Z4AI_API void z4ai_dctx_free(z4ai_dctx* dctx);
Z4AI_API z4ai_status z4ai_dctx_set_param(z4ai_dctx* dctx, int32_t param, int64_t value);
Z4AI_API z4ai_status z4ai_dctx_get_param(const z4ai_dctx* dctx, int32_t param, int64_t* value);
/** Reference for decoding delta frames (not copied; see z4ai_cctx_ref_reference). */
Z4AI_API z4ai_status z4ai_dctx_ref_reference(z4ai_dctx* dctx, const void* ref, size_t ref_size);
Z4AI_API z4ai_status z4ai_dctx_reset(z4ai_dctx* dctx, int32_t directive);
Z4AI_API const char* z4ai_dctx_last_error(const z4ai_dctx* dctx);

/* ---- one-shot ----------------------------------------------------------- */

/** Worst-case frame size for src_size input bytes, valid for every parameter setting
 *  (0 if the result would overflow size_t). */
Z4AI_API size_t z4ai_compress_bound(uint64_t src_size);

/** Compress src into one frame. *written receives the frame size. */
Z4AI_API z4ai_status z4ai_compress(z4ai_cctx* cctx, void* dst, size_t dst_capacity, const void* src,
                                   size_t src_size, size_t* written);

/** Decompress exactly one complete frame. *written receives the content size. */
Z4AI_API z4ai_status z4ai_decompress(z4ai_dctx* dctx, void* dst, size_t dst_capacity, const void* src,
                                     size_t src_size, size_t* written);

/** Decode content bytes [offset, offset + length) of a frame, touching only the chunks
 *  that overlap it. length is clamped to the end of the content; *written = bytes out. */
Z4AI_API z4ai_status z4ai_decompress_range(z4ai_dctx* dctx, void* dst, size_t dst_capacity, const void* src,
                                           size_t src_size, uint64_t offset, uint64_t length,
                                           size_t* written);

/* ---- frame inspection --------------------------------------------------- */

#define Z4AI_CONTENT_SIZE_UNKNOWN (UINT64_MAX)

/** Content size of the frame starting at src. With only a prefix of a streamed frame
 *  whose header did not record the size, *size = Z4AI_CONTENT_SIZE_UNKNOWN and the call
 *  succeeds; a malformed header is an error (never confused with "unknown"). */
Z4AI_API z4ai_status z4ai_frame_content_size(const void* src, size_t src_size, uint64_t* size);
/** Total byte length of the complete frame starting at src (for concatenated frames). */
Z4AI_API z4ai_status z4ai_frame_compressed_size(const void* src, size_t src_size, size_t* size);
/** dtype code recorded in the frame header. */
Z4AI_API z4ai_status z4ai_frame_dtype(const void* src, size_t src_size, int32_t* dtype);
/** Shape recorded in the frame: writes min(ndim, dims_capacity) dims, *ndim = true rank. */
Z4AI_API z4ai_status z4ai_frame_shape(const void* src, size_t src_size, uint64_t* dims, size_t dims_capacity,
                                      size_t* ndim);
/** A JSON description of a complete frame: header fields and, per chunk, its method,
 *  stream backends and sizes. NUL-terminated; *written excludes the NUL. Call with
 *  dst_capacity 0 to learn the size: Z4AI_E_DST_TOO_SMALL with *written = bytes
 *  needed including the NUL. */
Z4AI_API z4ai_status z4ai_frame_describe(const void* src, size_t src_size, char* dst, size_t dst_capacity,
                                         size_t* written);

/* ---- streaming ---------------------------------------------------------- */

typedef struct {
    const void* src; /* start of input */
    size_t size;     /* bytes available */
    size_t pos;      /* bytes consumed so far; updated by z4ai */
} z4ai_in_buffer;

typedef struct {
    void* dst;   /* start of output */
    size_t size; /* capacity */
    size_t pos;  /* bytes produced so far; updated by z4ai */
} z4ai_out_buffer;

typedef enum {
    Z4AI_CONTINUE = 0, /* consume input, emit whole chunks when ready */
    Z4AI_FLUSH = 1,    /* also emit buffered input as a (short) chunk */
    Z4AI_END = 2       /* finish the frame: flush and write the footer */
} z4ai_end_op;

/** Streaming compression. Call repeatedly; *remaining receives the number of bytes still
 *  waiting to be written out (0 with Z4AI_END means the frame is complete, and the context
 *  is ready for a new frame). Memory use is bounded by chunk size x threads. */
Z4AI_API z4ai_status z4ai_compress_stream(z4ai_cctx* cctx, z4ai_out_buffer* output, z4ai_in_buffer* input,
                                          int32_t end_op, size_t* remaining);
/** Same as z4ai_compress_stream with flat arguments (for bindings). */
Z4AI_API z4ai_status z4ai_compress_stream_args(z4ai_cctx* cctx, void* dst, size_t dst_size, size_t* dst_pos,
                                               const void* src, size_t src_size, size_t* src_pos,
                                               int32_t end_op, size_t* remaining);

/** Streaming decompression of one frame. *remaining receives 0 once the whole frame has
 *  been decoded and written out (the context is then ready for the next frame), otherwise
 *  a hint > 0. Feeding bytes past the end of the frame leaves them unconsumed. */
Z4AI_API z4ai_status z4ai_decompress_stream(z4ai_dctx* dctx, z4ai_out_buffer* output, z4ai_in_buffer* input,
                                            size_t* remaining);
Z4AI_API z4ai_status z4ai_decompress_stream_args(z4ai_dctx* dctx, void* dst, size_t dst_size, size_t* dst_pos,
                                                 const void* src, size_t src_size, size_t* src_pos,
                                                 size_t* remaining);

/** Recommended streaming buffer sizes for this context's parameters. */
Z4AI_API size_t z4ai_cstream_in_size(const z4ai_cctx* cctx);
Z4AI_API size_t z4ai_dstream_out_size(const z4ai_dctx* dctx);

/* ---- containers: .safetensors <-> .zstn, model deltas (.z4dm) ------------
 *
 * A .zstn container holds one .safetensors file: each tensor in its own frame
 * (coded with its own dtype and shape), identical tensors stored once, an index
 * and a footer; decompression restores the file byte for byte (header JSON,
 * metadata, padding, order). A .z4dm model delta holds a fine-tune against a
 * base .safetensors: tensors are paired by name (then by content digest, then,
 * with Z4AI_C_MATCH_RENAMED, by similarity) and stored as COPY (no bytes), a
 * delta frame, or a fresh frame; the base is identified by size + XXH3-128.
 * Compression uses the cctx's effort, level, chunk size, checksum and thread
 * parameters (dtype and shape come from each tensor). Formats: docs/FORMAT.md. */

typedef enum {
    Z4AI_KIND_UNKNOWN = 0,
    Z4AI_KIND_FRAME = 1,       /* a z4ai frame ("Z4AI") */
    Z4AI_KIND_CONTAINER = 2,   /* a .zstn container ("Z4ST") */
    Z4AI_KIND_MODEL_DELTA = 3, /* a .z4dm model delta ("Z4DM") */
    Z4AI_KIND_SAFETENSORS = 4  /* looks like a .safetensors file (not validated) */
} z4ai_kind;

/** Classifies an input from its first bytes (give at least 16, ideally 64) and its total size. */
Z4AI_API z4ai_status z4ai_detect_kind(const void* prefix, size_t prefix_size, uint64_t total_size, int32_t* kind);

/** Upper bound of the .zstn (or .z4dm) size for this .safetensors file (parses its header). */
Z4AI_API z4ai_status z4ai_safetensors_compress_bound(const void* src, size_t src_size, uint64_t* bound);
/** .safetensors bytes -> .zstn container. */
Z4AI_API z4ai_status z4ai_safetensors_compress(z4ai_cctx* cctx, void* dst, size_t dst_capacity, const void* src,
                                               size_t src_size, size_t* written);
/** File to file (input read with pread: a file truncated meanwhile is Z4AI_E_TRUNCATED,
 *  never SIGBUS; output written to a unique temporary file in the same directory, then
 *  renamed into place, so a failure or SIGINT/SIGTERM leaves no partial file; an existing
 *  output that is a character device or FIFO, e.g. /dev/null, is written in place). */
Z4AI_API z4ai_status z4ai_safetensors_compress_file(z4ai_cctx* cctx, const char* src_path, const char* dst_path,
                                                    uint64_t* written);
/** Size of the .safetensors file a .zstn or .z4dm restores to (reads its index). */
Z4AI_API z4ai_status z4ai_container_content_size(const void* src, size_t src_size, uint64_t* size);
/** .zstn -> the original .safetensors bytes. */
Z4AI_API z4ai_status z4ai_safetensors_decompress(z4ai_dctx* dctx, void* dst, size_t dst_capacity, const void* src,
                                                 size_t src_size, size_t* written);
Z4AI_API z4ai_status z4ai_safetensors_decompress_file(z4ai_dctx* dctx, const char* src_path, const char* dst_path,
                                                      uint64_t* written);

/** Fine-tune .safetensors (src) against its base .safetensors -> .z4dm. The bound is
 *  z4ai_safetensors_compress_bound(src). Neither input is copied or modified. */
Z4AI_API z4ai_status z4ai_model_delta_compress(z4ai_cctx* cctx, void* dst, size_t dst_capacity, const void* src,
                                               size_t src_size, const void* base, size_t base_size,
                                               size_t* written);
Z4AI_API z4ai_status z4ai_model_delta_compress_file(z4ai_cctx* cctx, const char* src_path, const char* base_path,
                                                    const char* dst_path, uint64_t* written);
/** .z4dm + its base -> the fine-tune's bytes. A base of the wrong size or digest gives
 *  Z4AI_E_REFERENCE_MISMATCH. */
Z4AI_API z4ai_status z4ai_model_delta_decompress(z4ai_dctx* dctx, void* dst, size_t dst_capacity, const void* src,
                                                 size_t src_size, const void* base, size_t base_size,
                                                 size_t* written);
Z4AI_API z4ai_status z4ai_model_delta_decompress_file(z4ai_dctx* dctx, const char* src_path,
                                                      const char* base_path, const char* dst_path,
                                                      uint64_t* written);

/* ---- random access into containers -----------------------------------------
 *
 * A reader opens a .zstn, a .z4dm (after z4ai_reader_attach_base*) or a plain
 * .safetensors, lists its tensors and decodes one tensor, or an element range of
 * one, into a caller buffer, reading and decoding only the frames (for ranges:
 * only the chunks) it needs. Opening reads the 16-byte prefix, the 24-byte
 * trailer and the index; nothing else. A reader has the same threading rules as
 * a context. */

typedef struct z4ai_reader_s z4ai_reader;

/** Read-at callback: copy exactly `size` bytes starting at `offset` of the input into dst;
 *  return 0 on success, anything else on failure (reported as Z4AI_E_IO). Called from the
 *  thread that called the reader function, never concurrently for one reader. */
typedef int32_t (*z4ai_read_at_fn)(void* user, uint64_t offset, void* dst, size_t size);

/** Storage method of a tensor (z4ai_tensor_info.method). */
typedef enum {
    Z4AI_TENSOR_EMPTY = 0,      /* zero bytes, nothing stored */
    Z4AI_TENSOR_FRAME = 1,      /* its own frame */
    Z4AI_TENSOR_SAME = 2,       /* identical to tensor `ref` of this file (stored once) */
    Z4AI_TENSOR_BASE_COPY = 3,  /* identical to base tensor `ref` (model delta) */
    Z4AI_TENSOR_BASE_DELTA = 4, /* delta frame against base tensor `ref` (model delta) */
    Z4AI_TENSOR_RAW = 255       /* uncompressed (reader opened on a plain .safetensors) */
} z4ai_tensor_method;

typedef struct {
    const char* name;    /* NUL-terminated UTF-8, owned by the reader (valid until it is
                            freed or reopened) */
    size_t name_size;    /* bytes, without the NUL (names may contain NUL escapes) */
    int32_t dtype;       /* z4ai_dtype */
    int32_t method;      /* z4ai_tensor_method */
    uint32_t ndim;       /* rank; dims[] holds the first min(ndim, 8) */
    uint32_t ref;        /* SAME / BASE_COPY / BASE_DELTA: the tensor it refers to */
    uint64_t dims[8];
    uint64_t nbytes;      /* decoded size */
    uint64_t data_offset; /* byte offset of the tensor in the .safetensors data section */
    uint64_t stored_size; /* bytes of its frame in the container (0 if none) */
} z4ai_tensor_info;

/** z4ai_tensor_info behind a size field, so fields can be appended in later versions
 *  without breaking callers built against this one (z4ai_tensor_info has none). */
typedef struct {
    uint32_t struct_size; /* sizeof(z4ai_tensor_info_v2) as the caller compiled it */
    uint32_t reserved;    /* zero */
    z4ai_tensor_info info;
    /* later versions append fields here */
} z4ai_tensor_info_v2;
/** Zeroes *info and sets struct_size (for bindings, where a macro cannot reach). */
Z4AI_API void z4ai_tensor_info_v2_init(z4ai_tensor_info_v2* info);

/** New reader (NULL if out of memory). Set parameters, then open. */
Z4AI_API z4ai_reader* z4ai_reader_create(void);
Z4AI_API void z4ai_reader_free(z4ai_reader* reader);
/** Detail of the reader's last failed call. The read-only queries (kind, tensor count,
 *  find, tensor info, header JSON, describe, file size, I/O stats) may run while another
 *  thread reads from the same reader; they report into z4ai_last_error() instead. */
Z4AI_API const char* z4ai_reader_last_error(const z4ai_reader* reader);
/** Z4AI_D_THREADS, Z4AI_D_MAX_MEMORY, Z4AI_D_VERIFY_CHECKSUM, Z4AI_D_VERIFY_BASE. */
Z4AI_API z4ai_status z4ai_reader_set_param(z4ai_reader* reader, int32_t param, int64_t value);
/** Open from memory (not copied: it must outlive the reader), a path (pread), or a callback
 *  over an input of `size` bytes. Reopening replaces what the reader had open. */
Z4AI_API z4ai_status z4ai_reader_open_memory(z4ai_reader* reader, const void* src, size_t src_size);
Z4AI_API z4ai_status z4ai_reader_open_file(z4ai_reader* reader, const char* path);
Z4AI_API z4ai_status z4ai_reader_open_callback(z4ai_reader* reader, z4ai_read_at_fn fn, void* user, uint64_t size);
/** z4ai_kind of the open input. */
Z4AI_API z4ai_status z4ai_reader_kind(const z4ai_reader* reader, int32_t* kind);
/** Model delta: give the base it was made against (memory not copied; a base reader must
 *  stay open while this reader is used). Until then tensor functions return
 *  Z4AI_E_REFERENCE_MISSING; a wrong base gives Z4AI_E_REFERENCE_MISMATCH. */
Z4AI_API z4ai_status z4ai_reader_attach_base(z4ai_reader* reader, const void* base, size_t base_size);
Z4AI_API z4ai_status z4ai_reader_attach_base_reader(z4ai_reader* reader, z4ai_reader* base);
Z4AI_API z4ai_status z4ai_reader_tensor_count(const z4ai_reader* reader, size_t* count);
/** Index of the tensor called `name`; Z4AI_E_NOT_FOUND if absent. */
Z4AI_API z4ai_status z4ai_reader_find(const z4ai_reader* reader, const char* name, size_t* index);
Z4AI_API z4ai_status z4ai_reader_tensor_info(const z4ai_reader* reader, size_t index, z4ai_tensor_info* info);
/** Same, into a size-prefixed struct: Z4AI_E_INVALID_ARGUMENT if info->struct_size is
 *  smaller than this version's z4ai_tensor_info_v2; bytes beyond it are zeroed. */
Z4AI_API z4ai_status z4ai_reader_tensor_info_v2(const z4ai_reader* reader, size_t index,
                                                z4ai_tensor_info_v2* info);
/** Decode tensor `index` (nbytes) into dst. */
Z4AI_API z4ai_status z4ai_reader_read_tensor(z4ai_reader* reader, size_t index, void* dst, size_t dst_capacity,
                                             size_t* written);
/** Decode elements [first, first + count) of tensor `index` (row-major, as stored) into dst,
 *  touching only the chunks that hold them. Out of range: Z4AI_E_PARAM_OUT_OF_BOUNDS. */
Z4AI_API z4ai_status z4ai_reader_read_elements(z4ai_reader* reader, size_t index, uint64_t first, uint64_t count,
                                               void* dst, size_t dst_capacity, size_t* written);
/** The original header JSON (with __metadata__ and padding), NUL-terminated; *written
 *  excludes the NUL. dst_capacity 0 (or too small): Z4AI_E_DST_TOO_SMALL with *written =
 *  bytes needed including the NUL. */
Z4AI_API z4ai_status z4ai_reader_header_json(const z4ai_reader* reader, char* dst, size_t dst_capacity,
                                             size_t* written);
/** Size of the .safetensors file the input restores to. */
Z4AI_API z4ai_status z4ai_reader_file_size(const z4ai_reader* reader, uint64_t* size);
/** Restore the whole .safetensors file into dst, or into a file (atomically). */
Z4AI_API z4ai_status z4ai_reader_restore(z4ai_reader* reader, void* dst, size_t dst_capacity, size_t* written);
Z4AI_API z4ai_status z4ai_reader_restore_file(z4ai_reader* reader, const char* dst_path);
/** Read calls and bytes the reader's input has served since it was opened. */
Z4AI_API z4ai_status z4ai_reader_io_stats(const z4ai_reader* reader, uint64_t* calls, uint64_t* bytes);
/** JSON description: kind, sizes, and per tensor name, dtype, shape, nbytes, method, ref,
 *  stored size. Same size protocol as z4ai_reader_header_json. */
Z4AI_API z4ai_status z4ai_reader_describe(const z4ai_reader* reader, char* dst, size_t dst_capacity,
                                          size_t* written);


/* ---- directory archives (model directories, hub snapshots) ----------------
 *
 * An archive of a directory is a directory DIR.z4ai/ that is itself a model directory:
 * .safetensors shards keep their names and hold a .zstn container (or a .z4dm model
 * delta against another shard of the archive: cross-shard dedup), files that loaders
 * open by name (config, tokenizer, index JSON) and files compression does not shrink
 * stay plain, other files become one frame each (NAME.z4ai); z4ai-manifest.json lists
 * every member (path, stored name, kind, size, mode, XXH3-128) and every directory.
 * transformers loads it with from_pretrained after z4ai.enable_hf(). Symlinks are
 * followed when they resolve inside the input directory or, for a hub snapshot
 * (.../models--X/snapshots/REV), inside models--X; other symlinks, FIFOs, devices and
 * sockets are refused. Outputs are written to a unique temporary beside the target and
 * renamed into place; temporaries are removed on errors and on SIGINT/SIGTERM/SIGHUP.
 * Format: docs/FORMAT.md ("Directory archive"), versions 1 and 2 are read. */

/** Highest directory-archive manifest version this library reads (and the one it writes). */
#define Z4AI_ARCHIVE_VERSION 2

/** Kind of an archive member (z4ai_member_info.kind). */
typedef enum {
    Z4AI_MEMBER_PLAIN = 0,       /* stored as is */
    Z4AI_MEMBER_FRAME = 1,       /* one raw-dtype frame */
    Z4AI_MEMBER_CONTAINER = 2,   /* a .safetensors file as a .zstn container */
    Z4AI_MEMBER_MODEL_DELTA = 3, /* a .safetensors file as a .z4dm delta against member base_index */
    Z4AI_MEMBER_DIRECTORY = 4    /* a directory (restored even when empty) */
} z4ai_member_kind;

/** Flags of z4ai_archive_write. */
#define Z4AI_ARCHIVE_REPLACE 1 /* replace an existing archive (a directory with a manifest) at dst */

/** Progress of an archive write or restore: files and bytes (of the original files) done
 *  so far and in total. Called from the calling thread. */
typedef void (*z4ai_progress_fn)(void* user, uint64_t files_done, uint64_t files_total, uint64_t bytes_done,
                                 uint64_t bytes_total);

/** Size-prefixed: set struct_size = sizeof(z4ai_member_info) before the call; fields
 *  added later go at the end and are filled only when struct_size covers them. */
typedef struct {
    size_t struct_size;
    const char* path;    /* relative path in the original directory (owned by the archive) */
    size_t path_size;    /* bytes, without the NUL */
    const char* stored;  /* relative path of its file in the archive; "" for a directory */
    const char* base;    /* model delta: path of its base member; "" otherwise */
    int32_t kind;        /* z4ai_member_kind */
    uint32_t mode;       /* permission bits restored; 0 = not recorded (umask default) */
    uint64_t size;       /* restored bytes */
    uint64_t stored_size; /* bytes of its stored file */
    int64_t base_index;  /* model delta: index of its base member; -1 otherwise */
} z4ai_member_info;

typedef struct z4ai_archive_s z4ai_archive;

/** Archives directory src_dir into the new directory dst_dir with the cctx's parameters
 *  (effort, level, chunk size, checksum, threads, tensor dedup). flags: Z4AI_ARCHIVE_*.
 *  progress may be NULL. Errors: Z4AI_E_IO (refused symlink or special file, existing
 *  output, output inside the input, ...), Z4AI_E_TRUNCATED (an input shrank). */
Z4AI_API z4ai_status z4ai_archive_write(z4ai_cctx* cctx, const char* src_dir, const char* dst_dir, int32_t flags,
                                        z4ai_progress_fn progress, void* user);

/** New archive reader (NULL if out of memory). Z4AI_D_* parameters apply to its members. */
Z4AI_API z4ai_archive* z4ai_archive_create(void);
Z4AI_API void z4ai_archive_free(z4ai_archive* archive);
Z4AI_API const char* z4ai_archive_last_error(const z4ai_archive* archive);
/** Z4AI_D_THREADS, Z4AI_D_MAX_MEMORY, Z4AI_D_VERIFY_CHECKSUM. */
Z4AI_API z4ai_status z4ai_archive_set_param(z4ai_archive* archive, int32_t param, int64_t value);
/** Opens the archive directory dir (reads and validates its manifest: Z4AI_E_CORRUPT for
 *  duplicate, absolute or traversing paths, NUL bytes, unknown bases;
 *  Z4AI_E_VERSION_UNSUPPORTED for a newer version). */
Z4AI_API z4ai_status z4ai_archive_open(z4ai_archive* archive, const char* dir);
/** Manifest version of the open archive. */
Z4AI_API z4ai_status z4ai_archive_version(const z4ai_archive* archive, uint32_t* version);
/** Members: files in manifest order, then directories. */
Z4AI_API z4ai_status z4ai_archive_member_count(const z4ai_archive* archive, size_t* count);
/** Index of the member whose path is `path`; Z4AI_E_NOT_FOUND if none. */
Z4AI_API z4ai_status z4ai_archive_find(const z4ai_archive* archive, const char* path, size_t* index);
Z4AI_API z4ai_status z4ai_archive_member_info(z4ai_archive* archive, size_t index, z4ai_member_info* info);
/** Opens a container or model-delta member in `reader` (its base members are opened from
 *  the archive and owned by the reader): list, describe and read its tensors with the
 *  z4ai_reader_* functions. Other kinds: Z4AI_E_WRONG_KIND. */
Z4AI_API z4ai_status z4ai_archive_open_member(z4ai_archive* archive, size_t index, z4ai_reader* reader);
/** The restored bytes of member `index` into dst (Z4AI_E_DST_TOO_SMALL if dst_capacity is
 *  less than its size), or into a file (atomically). Sizes and digests are checked. */
Z4AI_API z4ai_status z4ai_archive_read(z4ai_archive* archive, size_t index, void* dst, size_t dst_capacity,
                                       size_t* written);
Z4AI_API z4ai_status z4ai_archive_extract(z4ai_archive* archive, size_t index, const char* dst_path);
/** Restores every member under the new directory dst_dir (must not exist), with file and
 *  directory modes and empty directories. progress may be NULL. */
Z4AI_API z4ai_status z4ai_archive_restore(z4ai_archive* archive, const char* dst_dir, z4ai_progress_fn progress,
                                          void* user);
/** JSON description of the archive (version; per member path, kind, stored, size,
 *  stored_size, base, mode). Same size protocol as z4ai_reader_describe. */
Z4AI_API z4ai_status z4ai_archive_describe(z4ai_archive* archive, char* dst, size_t dst_capacity, size_t* written);

/** Removes every temporary file and directory z4ai is writing right now. Async-signal-safe:
 *  for applications that handle SIGINT/SIGTERM themselves (z4ai installs its own cleanup
 *  handlers only for signals whose disposition is still the default). */
Z4AI_API void z4ai_remove_temporaries(void);

/* ---- remote inputs: object storage, HTTP ranges ----------------------------
 *
 * For readers over an object store or an HTTP server. Three pieces:
 *  - z4ai_reader_open_source: a read-at callback that reports the version of the
 *    object that served each read (ETag, generation; "" if unknown) and a message on
 *    failure. The first version reported is pinned; a later different one fails the
 *    read with Z4AI_E_IO, so bytes of two versions of an object replaced between
 *    requests are never mixed. A failing callback gives Z4AI_E_IO whose last error
 *    keeps the callback's message (and names the range).
 *  - z4ai_reader_tensor_extent: the input bytes a tensor's read touches, so a client
 *    can fetch many tensors in a few coalesced ranged requests;
 *  - z4ai_reader_read_tensor_from: decode a tensor from bytes the client fetched
 *    (as each range arrives), without calling the source.
 * Threading: the callback may be called from threads other than the one calling the
 * reader function, and concurrently (decoders may fetch in parallel): make it
 * thread-safe. It is never called after z4ai_reader_free or a reopen returns. */

/** What a z4ai_read_at_ex_fn reports besides its return code (zeroed before each call).
 *  Both fields are NUL-terminated strings (truncated at their size if not). */
typedef struct {
    char version[128]; /* identity of the object version that served the bytes; "" = unknown */
    char message[256]; /* on failure: what went wrong (URL, HTTP status, ...) */
} z4ai_read_result;

/** Copy exactly `size` bytes at `offset` into dst; return 0, or non-zero on failure. */
typedef int32_t (*z4ai_read_at_ex_fn)(void* user, uint64_t offset, void* dst, size_t size,
                                      z4ai_read_result* result);

/** Open over a versioned read-at callback and an input of `size` bytes (see above). */
Z4AI_API z4ai_status z4ai_reader_open_source(z4ai_reader* reader, z4ai_read_at_ex_fn fn, void* user,
                                             uint64_t size);
/** Input bytes [*offset, *offset + *size) that reading tensor `index` touches: its frame
 *  (a SAME tensor: its target's frame; a plain .safetensors: its data); *size = 0 when
 *  it needs none (empty tensors, base copies of a model delta). */
Z4AI_API z4ai_status z4ai_reader_tensor_extent(const z4ai_reader* reader, size_t index, uint64_t* offset,
                                               uint64_t* size);
/** Decode tensor `index` (as z4ai_reader_read_tensor) from input bytes the caller fetched:
 *  `stored` holds input bytes [stored_offset, stored_offset + stored_size), which must
 *  cover the tensor's extent (Z4AI_E_INVALID_ARGUMENT otherwise). The reader's input is
 *  not read (a model delta's base still is). */
Z4AI_API z4ai_status z4ai_reader_read_tensor_from(z4ai_reader* reader, size_t index, const void* stored,
                                                  size_t stored_size, uint64_t stored_offset, void* dst,
                                                  size_t dst_capacity, size_t* written);

/** Open from pieces the caller fetched, for languages that do their own I/O (no callback):
 *  `head` = input bytes [0, head_size), `tail` = the last tail_size bytes of an input of
 *  total_size bytes (both copied; 64 and 8 KiB are good first sizes). If they do not
 *  hold what opening needs (an index that starts before the tail, a .safetensors header
 *  longer than the head), Z4AI_E_TRUNCATED with *head_needed / *tail_needed = the sizes
 *  that would (0 = this one is enough): fetch those and call again. Tensors are then read
 *  with z4ai_reader_tensor_extent + z4ai_reader_read_tensor_from (other reads of bytes
 *  outside head and tail fail with Z4AI_E_INVALID_ARGUMENT naming the range). */
Z4AI_API z4ai_status z4ai_reader_open_parts(z4ai_reader* reader, uint64_t total_size, const void* head,
                                            size_t head_size, const void* tail, size_t tail_size,
                                            uint64_t* head_needed, uint64_t* tail_needed);
/** Write callback: take `size` bytes (the next bytes of the output, in order); return 0,
 *  or non-zero on failure, optionally with a NUL-terminated message in `message`
 *  (message_capacity bytes, zeroed before the call). Called from the calling thread. */
typedef int32_t (*z4ai_write_fn)(void* user, const void* src, size_t size, char* message,
                                 size_t message_capacity);
/** .safetensors bytes -> .zstn written through `fn` as it is produced (frames leave as
 *  they are compressed: an uploader can send parts while the rest compresses). On an
 *  error (a failing callback gives Z4AI_E_IO with its message) the output is incomplete:
 *  the caller discards it (e.g. aborts the multipart upload). *written = bytes written. */
Z4AI_API z4ai_status z4ai_safetensors_compress_to(z4ai_cctx* cctx, const void* src, size_t src_size,
                                                  z4ai_write_fn fn, void* user, uint64_t* written);

#ifdef __cplusplus
}
#endif
#endif /* Z4AI_H */
