/*
 * h5z4ai_plugin.c - the HDF5 side of libh5z4ai.so: the H5Z_class2_t, can_apply,
 * set_local and the two symbols HDF5's plugin loader looks up.
 *
 * The plugin is NOT linked against libhdf5. can_apply/set_local call back into the very
 * libhdf5 that called them, found from the return address (dladdr), so the same .so
 * works in Debian's tools (system HDF5 1.10) and in pip h5py (its bundled HDF5), where a
 * plugin linked to the system library would call into a second copy of HDF5.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "h5z4ai.h"

#include <dlfcn.h>
#include <string.h>

#include <H5PLextern.h>
#include <H5Zpublic.h>
#include <z4ai.h>

#define H5Z4AI_EXPORT __attribute__((visibility("default")))

/* The few HDF5 functions can_apply/set_local need, resolved at run time. */
typedef struct {
    void* lib;
    H5T_class_t (*get_class)(hid_t);
    size_t (*get_size)(hid_t);
    H5T_sign_t (*get_sign)(hid_t);
    H5T_order_t (*get_order)(hid_t);
    herr_t (*get_fields)(hid_t, size_t*, size_t*, size_t*, size_t*, size_t*);
    hid_t (*get_super)(hid_t);
    htri_t (*is_variable_str)(hid_t);
    herr_t (*tclose)(hid_t);
    int (*get_chunk)(hid_t, int, hsize_t*);
    herr_t (*get_filter_by_id2)(hid_t, H5Z_filter_t, unsigned*, size_t*, unsigned[], size_t, char[],
                                unsigned*);
    herr_t (*modify_filter)(hid_t, H5Z_filter_t, unsigned, size_t, const unsigned[]);
} h5api;

static int load_api(void* lib, h5api* api) {
    memset(api, 0, sizeof *api);
    api->lib = lib;
#define LOAD(field, name)                          \
    do {                                           \
        *(void**)(&api->field) = dlsym(lib, name); \
        if (!api->field) return -1;                \
    } while (0)
    LOAD(get_class, "H5Tget_class");
    LOAD(get_size, "H5Tget_size");
    LOAD(get_sign, "H5Tget_sign");
    LOAD(get_order, "H5Tget_order");
    LOAD(get_fields, "H5Tget_fields");
    LOAD(get_super, "H5Tget_super");
    LOAD(is_variable_str, "H5Tis_variable_str");
    LOAD(tclose, "H5Tclose");
    LOAD(get_chunk, "H5Pget_chunk");
    LOAD(get_filter_by_id2, "H5Pget_filter_by_id2");
    LOAD(modify_filter, "H5Pmodify_filter");
#undef LOAD
    return 0;
}

/* Finds the libhdf5 that contains `caller` (an address inside the function that called
 * us); falls back to the global namespace (tools linked against libhdf5). */
static int resolve_api(const void* caller, h5api* api) {
    Dl_info info;
    if (caller && dladdr(caller, &info) && info.dli_fname) {
        void* lib = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
        if (lib) {
            int ok = load_api(lib, api);
            dlclose(lib); /* RTLD_NOLOAD took a reference; libhdf5 stays loaded by its owner */
            if (ok == 0) return 0;
        }
    }
    if (load_api(RTLD_DEFAULT, api) == 0) return 0;
    h5z4ai_debug("cannot find the HDF5 library that loaded the plugin");
    return -1;
}

/* Element class/size/sign/order of `type`, looking through H5T_ARRAY. */
typedef struct {
    H5T_class_t cls;
    size_t size, exp_bits, mant_bits;
    int is_signed, big_endian, variable;
} elem_info;

static int inspect_type(const h5api* api, hid_t type, elem_info* e) {
    memset(e, 0, sizeof *e);
    hid_t base = type, owned = -1;
    H5T_class_t cls = api->get_class(type);
    if (cls == H5T_ARRAY) {
        owned = base = api->get_super(type);
        if (base < 0) return -1;
        cls = api->get_class(base);
    }
    e->cls = cls;
    e->size = api->get_size(base);
    if (cls == H5T_INTEGER) e->is_signed = api->get_sign(base) == H5T_SGN_2;
    if (cls == H5T_FLOAT) {
        size_t spos, epos, mpos;
        if (api->get_fields(base, &spos, &epos, &e->exp_bits, &mpos, &e->mant_bits) < 0) e->exp_bits = 0;
    }
    if (cls == H5T_INTEGER || cls == H5T_FLOAT || cls == H5T_BITFIELD || cls == H5T_ENUM)
        e->big_endian = api->get_order(base) == H5T_ORDER_BE;
    if (cls == H5T_STRING) e->variable = api->is_variable_str(base) > 0;
    if (owned >= 0) api->tclose(owned);
    return 0;
}

static htri_t can_apply(hid_t dcpl, hid_t type, hid_t space) {
    (void)dcpl;
    (void)space;
    if (type < 0) return 0; /* group fractal heaps: not for us */
    h5api api;
    if (resolve_api(__builtin_return_address(0), &api) != 0) return -1;
    elem_info e;
    if (inspect_type(&api, type, &e) != 0) return -1;
    if (e.cls == H5T_VLEN || e.cls == H5T_REFERENCE || e.variable || e.size == 0) return 0;
    return 1;
}

static herr_t set_local(hid_t dcpl, hid_t type, hid_t space) {
    (void)space;
    h5api api;
    if (resolve_api(__builtin_return_address(0), &api) != 0) return -1;

    unsigned flags = 0, values[H5Z4AI_MAX_SLOTS];
    size_t n = H5Z4AI_MAX_SLOTS; /* in: capacity, out: count (HDFGroup/hdf5#2044) */
    memset(values, 0, sizeof values);
    if (api.get_filter_by_id2(dcpl, Z4AI_H5_FILTER_ID, &flags, &n, values, 0, NULL, NULL) < 0) return -1;
    if (n > H5Z4AI_MAX_SLOTS) n = H5Z4AI_MAX_SLOTS;

    elem_info e;
    if (inspect_type(&api, type, &e) != 0) return -1;

    unsigned dtype = values[H5Z4AI_SLOT_DTYPE];
    if (dtype == H5Z4AI_DTYPE_AUTO) {
        if (e.cls == H5T_FLOAT)
            dtype = h5z4ai_float_dtype(e.size, e.exp_bits, e.mant_bits);
        else if (e.cls == H5T_INTEGER || e.cls == H5T_ENUM)
            dtype = h5z4ai_int_dtype(e.size, e.is_signed);
        else
            dtype = H5Z4AI_DTYPE_RAW;
    } else if (h5z4ai_check_dtype(dtype, e.size) != 0) {
        return -1; /* e.g. bf16 requested on a 4-byte type */
    }

    hsize_t dims[H5Z4AI_MAX_RANK];
    int rank = api.get_chunk(dcpl, H5Z4AI_MAX_RANK, dims);
    unsigned long long chunk_bytes = 0;
    if (rank > 0) {
        chunk_bytes = api.get_size(type);
        for (int i = 0; i < rank; ++i) chunk_bytes *= dims[i];
    }

    values[H5Z4AI_SLOT_REVISION] = H5Z4AI_REVISION;
    values[H5Z4AI_SLOT_FORMAT] = Z4AI_FORMAT_VERSION;
    values[H5Z4AI_SLOT_ELEMSIZE] = (unsigned)e.size;
    values[H5Z4AI_SLOT_DTYPE] = dtype;
    values[H5Z4AI_SLOT_CHUNKBYTES] = chunk_bytes > 0xffffffffull ? 0u : (unsigned)chunk_bytes;
    values[H5Z4AI_SLOT_ORDER] = e.big_endian ? 1u : 0u;
    size_t total = H5Z4AI_NSLOTS_FIXED;
    values[H5Z4AI_SLOT_RANK] = 0;
    int dims_fit = rank > 0 && rank <= H5Z4AI_MAX_RANK;
    for (int i = 0; dims_fit && i < rank; ++i) dims_fit = dims[i] <= 0xffffffffull;
    if (dims_fit) {
        values[H5Z4AI_SLOT_RANK] = (unsigned)rank;
        for (int i = 0; i < rank; ++i) values[H5Z4AI_SLOT_DIMS + i] = (unsigned)dims[i];
        total += (size_t)rank;
    }
    h5z4ai_debug("set_local: elem %zu bytes, dtype %u, order %u, chunk %llu bytes", e.size, dtype,
                 values[H5Z4AI_SLOT_ORDER], chunk_bytes);
    return api.modify_filter(dcpl, Z4AI_H5_FILTER_ID, flags, total, values) < 0 ? -1 : 0;
}

static const H5Z_class2_t h5z4ai_class = {
    H5Z_CLASS_T_VERS, Z4AI_H5_FILTER_ID, 1, 1, H5Z4AI_NAME, can_apply, set_local, (H5Z_func_t)h5z4ai_filter,
};

H5Z4AI_EXPORT H5PL_type_t H5PLget_plugin_type(void) { return H5PL_TYPE_FILTER; }
H5Z4AI_EXPORT const void* H5PLget_plugin_info(void) { return &h5z4ai_class; }
