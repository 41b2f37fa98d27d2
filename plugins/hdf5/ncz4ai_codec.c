/*
 * ncz4ai_codec.c - netCDF's NCZarr codec API for libh5z4ai.so (NCZ_get_codec_info):
 * maps the numcodecs-style JSON {"id": "z4ai", "dtype": ..., "effort": ..., "checksum": ...}
 * to the HDF5 cd_values of h5z4ai.h and back, and fills the slots set_local fills under
 * HDF5 from the netCDF variable (NCZarr never calls set_local).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "h5z4ai.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <z4ai.h>

#define H5Z4AI_EXPORT __attribute__((visibility("default")))

/* Layout of netCDF's NCZ_codec_t, version 1 (netcdf_filter_build.h, netCDF >= 4.8.1). */
typedef struct {
    int version;
    int sort;
    const char* codecid;
    unsigned int hdf5id;
    void (*codec_initialize)(void);
    void (*codec_finalize)(void);
    int (*codec_to_hdf5)(const char* codec, size_t* nparamsp, unsigned** paramsp);
    int (*hdf5_to_codec)(size_t nparams, const unsigned* params, char** codecp);
    int (*modify_parameters)(int ncid, int varid, size_t* vnparamsp, unsigned** vparamsp, size_t* wnparamsp,
                             unsigned** wparamsp);
} ncz_codec_v1;

enum { NC_NOERR_ = 0, NC_EINVAL_ = -36, NC_ENOMEM_ = -61, NC_EFILTER_ = -132 };

static const char* effort_names[] = {"default", "fast", "default", "max"};

/* Finds "key": in a flat JSON object; returns a pointer to its value or NULL. */
static const char* json_value(const char* json, const char* key) {
    size_t klen = strlen(key);
    for (const char* p = json; (p = strchr(p, '"')) != NULL; ++p) {
        if (strncmp(p + 1, key, klen) == 0 && p[1 + klen] == '"') {
            const char* q = p + 2 + klen;
            while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') ++q;
            if (*q != ':') continue;
            ++q;
            while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') ++q;
            return q;
        }
    }
    return NULL;
}

/* Copies a JSON string value (no escapes needed for our names) into out. */
static int json_string(const char* v, char* out, size_t cap) {
    if (!v || *v != '"') return -1;
    const char* end = strchr(v + 1, '"');
    if (!end || (size_t)(end - v - 1) >= cap) return -1;
    memcpy(out, v + 1, (size_t)(end - v - 1));
    out[end - v - 1] = 0;
    return 0;
}

static int codec_to_hdf5(const char* codec, size_t* nparamsp, unsigned** paramsp) {
    if (!codec || !nparamsp || !paramsp) return NC_EINVAL_;
    unsigned* p = (unsigned*)calloc(H5Z4AI_NSLOTS_FIXED, sizeof(unsigned));
    if (!p) return NC_ENOMEM_;
    char name[64];
    const char* v = json_value(codec, "id");
    if (!v || json_string(v, name, sizeof name) != 0 || strcmp(name, "z4ai") != 0) goto bad;
    if ((v = json_value(codec, "dtype")) != NULL && strncmp(v, "null", 4) != 0) {
        int32_t code = 0;
        if (json_string(v, name, sizeof name) != 0) goto bad;
        if (strcmp(name, "raw") == 0 || strcmp(name, "bytes") == 0)
            p[H5Z4AI_SLOT_DTYPE] = H5Z4AI_DTYPE_RAW;
        else if (z4ai_dtype_from_name(name, &code) == Z4AI_OK)
            p[H5Z4AI_SLOT_DTYPE] = code == Z4AI_DTYPE_RAW ? H5Z4AI_DTYPE_RAW : (unsigned)code;
        else
            goto bad;
    }
    if ((v = json_value(codec, "effort")) != NULL && strncmp(v, "null", 4) != 0) {
        if (*v == '"') {
            int32_t effort = 0;
            if (json_string(v, name, sizeof name) != 0 || z4ai_effort_from_name(name, &effort) != Z4AI_OK)
                goto bad;
            p[H5Z4AI_SLOT_EFFORT] = (unsigned)effort + 1; /* slot: 0 = unset, else effort + 1 */
        } else { /* z4ai_effort number: 0 fast, 1 default, 2 max */
            long e = strtol(v, NULL, 10);
            if (e < 0 || e > 2) goto bad;
            p[H5Z4AI_SLOT_EFFORT] = (unsigned)e + 1;
        }
    }
    if ((v = json_value(codec, "checksum")) != NULL && strncmp(v, "false", 5) == 0)
        p[H5Z4AI_SLOT_FLAGS] |= H5Z4AI_FLAG_NO_CHECKSUM;
    *nparamsp = H5Z4AI_NSLOTS_FIXED;
    *paramsp = p;
    return NC_NOERR_;
bad:
    h5z4ai_debug("NCZarr: cannot parse codec %s", codec);
    free(p);
    return NC_EFILTER_;
}

static int hdf5_to_codec(size_t nparams, const unsigned* params, char** codecp) {
    if (!codecp) return NC_EINVAL_;
    unsigned dtype = nparams > H5Z4AI_SLOT_DTYPE ? params[H5Z4AI_SLOT_DTYPE] : 0;
    unsigned effort = nparams > H5Z4AI_SLOT_EFFORT ? params[H5Z4AI_SLOT_EFFORT] : 0;
    unsigned flags = nparams > H5Z4AI_SLOT_FLAGS ? params[H5Z4AI_SLOT_FLAGS] : 0;
    char dtype_json[40] = "null";
    if (dtype == H5Z4AI_DTYPE_RAW)
        snprintf(dtype_json, sizeof dtype_json, "\"raw\"");
    else if (dtype != 0 && z4ai_dtype_name((int32_t)dtype))
        snprintf(dtype_json, sizeof dtype_json, "\"%s\"", z4ai_dtype_name((int32_t)dtype));
    char* json = (char*)malloc(160);
    if (!json) return NC_ENOMEM_;
    snprintf(json, 160, "{\"id\": \"z4ai\", \"dtype\": %s, \"effort\": \"%s\", \"checksum\": %s}", dtype_json,
             effort_names[effort <= 3 ? effort : 0], (flags & H5Z4AI_FLAG_NO_CHECKSUM) ? "false" : "true");
    *codecp = json;
    return NC_NOERR_;
}

/* netCDF type codes (netcdf.h) -> z4ai dtype. */
static unsigned nc_type_dtype(int xtype) {
    switch (xtype) {
        case 1: return Z4AI_DTYPE_INT8;    /* NC_BYTE */
        case 3: return Z4AI_DTYPE_INT16;   /* NC_SHORT */
        case 4: return Z4AI_DTYPE_INT32;   /* NC_INT */
        case 5: return Z4AI_DTYPE_FP32;    /* NC_FLOAT */
        case 6: return Z4AI_DTYPE_FP64;    /* NC_DOUBLE */
        case 7: return Z4AI_DTYPE_UINT8;   /* NC_UBYTE */
        case 8: return Z4AI_DTYPE_UINT16;  /* NC_USHORT */
        case 9: return Z4AI_DTYPE_UINT32;  /* NC_UINT */
        case 10: return Z4AI_DTYPE_INT64;  /* NC_INT64 */
        case 11: return Z4AI_DTYPE_UINT64; /* NC_UINT64 */
        default: return H5Z4AI_DTYPE_RAW;
    }
}

static int modify_parameters(int ncid, int varid, size_t* vnparamsp, unsigned** vparamsp, size_t* wnparamsp,
                             unsigned** wparamsp) {
    if (!vnparamsp || !vparamsp || !wnparamsp || !wparamsp) return NC_EINVAL_;
    int (*inq_var)(int, int, char*, int*, int*, int*, int*) = NULL;
    int (*inq_type)(int, int, char*, size_t*) = NULL;
    int (*inq_chunking)(int, int, int*, size_t*) = NULL;
    *(void**)(&inq_var) = dlsym(RTLD_DEFAULT, "nc_inq_var");
    *(void**)(&inq_type) = dlsym(RTLD_DEFAULT, "nc_inq_type");
    *(void**)(&inq_chunking) = dlsym(RTLD_DEFAULT, "nc_inq_var_chunking");
    if (!inq_var || !inq_type || !inq_chunking) return NC_EFILTER_;

    int xtype = 0, ndims = 0;
    if (inq_var(ncid, varid, NULL, &xtype, &ndims, NULL, NULL) != 0) return NC_EFILTER_;
    size_t esize = 0;
    if (inq_type(ncid, xtype, NULL, &esize) != 0) return NC_EFILTER_;
    size_t chunks[H5Z4AI_MAX_RANK];
    int storage = 0, have_chunks = ndims > 0 && ndims <= H5Z4AI_MAX_RANK;
    if (have_chunks && inq_chunking(ncid, varid, &storage, chunks) != 0) have_chunks = 0;

    unsigned* w = (unsigned*)calloc(H5Z4AI_MAX_SLOTS, sizeof(unsigned));
    if (!w) return NC_ENOMEM_;
    size_t vn = *vnparamsp < H5Z4AI_NSLOTS_FIXED ? *vnparamsp : H5Z4AI_NSLOTS_FIXED;
    if (vn && *vparamsp) memcpy(w, *vparamsp, vn * sizeof(unsigned));
    unsigned dtype = w[H5Z4AI_SLOT_DTYPE];
    if (dtype == H5Z4AI_DTYPE_AUTO) dtype = nc_type_dtype(xtype);
    if (h5z4ai_check_dtype(dtype, esize) != 0) {
        free(w);
        return NC_EFILTER_;
    }
    unsigned long long chunk_bytes = esize;
    for (int i = 0; have_chunks && i < ndims; ++i) chunk_bytes *= chunks[i];
    w[H5Z4AI_SLOT_REVISION] = H5Z4AI_REVISION;
    w[H5Z4AI_SLOT_FORMAT] = Z4AI_FORMAT_VERSION;
    w[H5Z4AI_SLOT_ELEMSIZE] = (unsigned)esize;
    w[H5Z4AI_SLOT_DTYPE] = dtype;
    w[H5Z4AI_SLOT_CHUNKBYTES] = have_chunks && chunk_bytes <= 0xffffffffull ? (unsigned)chunk_bytes : 0u;
    w[H5Z4AI_SLOT_ORDER] = 0; /* NCZarr hands filters native (little-endian) data */
    size_t n = H5Z4AI_NSLOTS_FIXED;
    if (have_chunks) {
        w[H5Z4AI_SLOT_RANK] = (unsigned)ndims;
        for (int i = 0; i < ndims; ++i)
            w[H5Z4AI_SLOT_DIMS + i] = chunks[i] <= 0xffffffffu ? (unsigned)chunks[i] : 0u;
        n += (size_t)ndims;
    }
    free(*wparamsp);
    *wparamsp = w;
    *wnparamsp = n;
    return NC_NOERR_;
}

static const ncz_codec_v1 ncz4ai_codec = {
    1 /* NCZ_CODEC_CLASS_VER */,
    1 /* NCZ_CODEC_HDF5 */,
    "z4ai",
    Z4AI_H5_FILTER_ID,
    NULL,
    NULL,
    codec_to_hdf5,
    hdf5_to_codec,
    modify_parameters,
};

H5Z4AI_EXPORT const void* NCZ_get_codec_info(void) { return &ncz4ai_codec; }
