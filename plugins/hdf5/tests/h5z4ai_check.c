/*
 * h5z4ai_check.c - test helper for the z4ai HDF5 plugin, linked against the system
 * libhdf5 (the plugin is loaded by HDF5 through HDF5_PLUGIN_PATH, never linked).
 *
 *   h5z4ai_check mkinput FILE     datasets of every kind the filter must handle
 *   h5z4ai_check compare A B      every dataset of A is byte-identical in B (file types)
 *   h5z4ai_check filter IN OUT    copy every dataset of IN through the filter (mandatory,
 *                                 all-zeros cd_values), as h5repack -f UD=<id>,0,1,0 does
 *   h5z4ai_check filtered FILE    every chunked dataset of FILE carries the z4ai filter
 *   h5z4ai_check write FILE       H5Pset_filter from C (optional flag, zeros, bf16
 *                                 override) + read back; a wrong override must fail
 *   h5z4ai_check ncz PLUGIN.so    the NCZarr codec API + the filter called directly
 *   h5z4ai_check corrupt FILE D   damage the chunks of dataset D in several ways: every
 *                                 read must fail with an HDF5 error, never crash
 */
#include <dlfcn.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5z4ai.h"

#define CHECK(x)                                                           \
    do {                                                                   \
        if ((x) < 0) {                                                     \
            fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #x); \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static float gauss(void) { /* weight-like values: N(0, 0.02) */
    double u1 = ((double)(rng() >> 11) + 1.0) / 9007199254740993.0,
           u2 = (double)(rng() >> 11) / 9007199254740992.0;
    return (float)(0.02 * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}
static uint16_t to_bf16(float f) { /* round to nearest even, as frameworks do */
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
static uint16_t to_fp16(float f) { /* normal range only (weights are small but not tiny) */
    uint32_t u;
    memcpy(&u, &f, 4);
    uint32_t sign = (u >> 16) & 0x8000u;
    int32_t e = (int32_t)((u >> 23) & 0xFF) - 127 + 15;
    uint32_t m = u & 0x7FFFFFu;
    if (e <= 0) return (uint16_t)sign; /* flush tiny values to zero */
    uint32_t h = sign | ((uint32_t)e << 10) | (m >> 13);
    if ((m & 0x1FFFu) > 0x1000u || ((m & 0x1FFFu) == 0x1000u && (h & 1u))) ++h;
    return (uint16_t)h;
}

static void write_ds(hid_t file, const char* name, hid_t ftype, hid_t mtype, int rank, const hsize_t* dims,
                     const hsize_t* chunk, const void* data) {
    hid_t space = H5Screate_simple(rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    CHECK(H5Pset_chunk(dcpl, rank, chunk));
    hid_t ds = H5Dcreate2(file, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CHECK(ds);
    CHECK(H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data));
    H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(space);
}

static hid_t float_type(size_t size, size_t esize, size_t msize, size_t ebias) {
    hid_t t = H5Tcopy(H5T_IEEE_F32LE);
    CHECK(H5Tset_fields(t, size * 8 - 1, msize, esize, 0, msize));
    CHECK(H5Tset_precision(t, size * 8));
    CHECK(H5Tset_size(t, size));
    CHECK(H5Tset_ebias(t, ebias));
    return t;
}

static int mkinput(const char* path) {
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(f);
    enum { R = 300, C = 200, N = R * C };
    float* w = malloc(N * sizeof(float));
    uint16_t *b = malloc(N * 2), *h = malloc(N * 2);
    int8_t* q = malloc(N);
    double* d = malloc(N * sizeof(double));
    for (int i = 0; i < N; ++i) {
        w[i] = gauss();
        b[i] = to_bf16(w[i]);
        h[i] = to_fp16(w[i]);
        q[i] = (int8_t)lrintf(fmaxf(-127.f, fminf(127.f, w[i] * 3000.f)));
        d[i] = (double)w[i] * 1.000001;
    }
    hsize_t dims[2] = {R, C}, chunk[2] = {64, 64}; /* 300x200 in 64x64: partial edge chunks */
    write_ds(f, "fp32", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, chunk, w);
    write_ds(f, "fp32_be", H5T_IEEE_F32BE, H5T_NATIVE_FLOAT, 2, dims, chunk, w);
    write_ds(f, "fp64", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, chunk, d);
    write_ds(f, "int8", H5T_STD_I8LE, H5T_NATIVE_INT8, 2, dims, chunk, q);
    write_ds(f, "bf16_as_u16", H5T_STD_U16LE, H5T_NATIVE_UINT16, 2, dims, chunk, b);
    hid_t t16 = float_type(2, 5, 10, 15), tb16 = float_type(2, 8, 7, 127);
    write_ds(f, "fp16", t16, t16, 2, dims, chunk, h); /* raw bits, no conversion */
    write_ds(f, "bf16_float", tb16, tb16, 2, dims, chunk, b);
    H5Tclose(t16);
    H5Tclose(tb16);
    hsize_t rdims[1] = {100000}, rchunk[1] = {30000};
    unsigned char* rnd = malloc(rdims[0]);
    for (size_t i = 0; i < rdims[0]; ++i) rnd[i] = (unsigned char)(rng() >> 56);
    write_ds(f, "random", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, rdims, rchunk, rnd);
    hsize_t tdims[2] = {3, 3};
    write_ds(f, "tiny", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, tdims, tdims, w);
    CHECK(H5Fclose(f));
    free(w), free(b), free(h), free(q), free(d), free(rnd);
    return 0;
}

static const char* const kNames[] = {"fp32", "fp32_be",    "fp64",   "int8", "bf16_as_u16",
                                     "fp16", "bf16_float", "random", "tiny"};
enum { kNumNames = sizeof kNames / sizeof kNames[0] };

/* Reads a dataset in its own file type (raw stored bytes, no conversion). */
static unsigned char* read_raw(hid_t f, const char* name, size_t* n) {
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    if (ds < 0) return NULL;
    hid_t t = H5Dget_type(ds), s = H5Dget_space(ds);
    *n = (size_t)H5Sget_simple_extent_npoints(s) * H5Tget_size(t);
    unsigned char* buf = malloc(*n ? *n : 1);
    herr_t r = H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Tclose(t), H5Sclose(s), H5Dclose(ds);
    if (r < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int compare(const char* a, const char* b) {
    hid_t fa = H5Fopen(a, H5F_ACC_RDONLY, H5P_DEFAULT), fb = H5Fopen(b, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(fa);
    CHECK(fb);
    int bad = 0;
    for (int i = 0; i < kNumNames; ++i) {
        size_t na = 0, nb = 0;
        unsigned char *x = read_raw(fa, kNames[i], &na), *y = read_raw(fb, kNames[i], &nb);
        if (!x || !y || na != nb || memcmp(x, y, na) != 0) {
            fprintf(stderr, "compare: %s differs or cannot be read\n", kNames[i]);
            bad = 1;
        } else {
            printf("%-12s %8zu bytes identical\n", kNames[i], na);
        }
        free(x), free(y);
    }
    H5Fclose(fa), H5Fclose(fb);
    return bad;
}

static int filter_copy(const char* in, const char* out) {
    hid_t fi = H5Fopen(in, H5F_ACC_RDONLY, H5P_DEFAULT),
          fo = H5Fcreate(out, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(fi);
    CHECK(fo);
    for (int i = 0; i < kNumNames; ++i) {
        size_t n = 0;
        unsigned char* data = read_raw(fi, kNames[i], &n);
        if (!data) return 1;
        hid_t ds = H5Dopen2(fi, kNames[i], H5P_DEFAULT), t = H5Dget_type(ds), sp = H5Dget_space(ds);
        hid_t dcpl_in = H5Dget_create_plist(ds), dcpl = H5Pcreate(H5P_DATASET_CREATE);
        hsize_t chunk[8];
        int rank = H5Pget_chunk(dcpl_in, 8, chunk);
        CHECK(rank);
        CHECK(H5Pset_chunk(dcpl, rank, chunk));
        const unsigned zeros[3] = {0, 0, 0};
        CHECK(H5Pset_filter(dcpl, Z4AI_H5_FILTER_ID, H5Z_FLAG_MANDATORY, 3, zeros));
        hid_t dst = H5Dcreate2(fo, kNames[i], t, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        CHECK(dst);
        CHECK(H5Dwrite(dst, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, data));
        H5Dclose(dst), H5Pclose(dcpl), H5Pclose(dcpl_in), H5Sclose(sp), H5Tclose(t), H5Dclose(ds);
        free(data);
    }
    H5Fclose(fi), H5Fclose(fo);
    return 0;
}

static int filtered(const char* path) {
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f);
    int bad = 0;
    for (int i = 0; i < kNumNames; ++i) {
        hid_t ds = H5Dopen2(f, kNames[i], H5P_DEFAULT), dcpl = H5Dget_create_plist(ds);
        unsigned flags = 0, v[H5Z4AI_MAX_SLOTS] = {0};
        size_t n = H5Z4AI_MAX_SLOTS;
        hsize_t stored = H5Dget_storage_size(ds), raw = 0;
        hid_t t = H5Dget_type(ds), s = H5Dget_space(ds);
        raw = (hsize_t)H5Sget_simple_extent_npoints(s) * H5Tget_size(t);
        if (H5Pget_filter_by_id2(dcpl, Z4AI_H5_FILTER_ID, &flags, &n, v, 0, NULL, NULL) < 0) {
            fprintf(stderr, "filtered: %s has no z4ai filter\n", kNames[i]);
            bad = 1;
        } else {
            printf("%-12s cd_values[%zu] = {", kNames[i], n);
            for (size_t k = 0; k < n; ++k) printf(k ? " %u" : "%u", v[k]);
            printf("}  %llu -> %llu bytes (%.3fx)\n", (unsigned long long)raw, (unsigned long long)stored,
                   stored ? (double)raw / (double)stored : 0.0);
        }
        H5Tclose(t), H5Sclose(s), H5Pclose(dcpl), H5Dclose(ds);
    }
    H5Fclose(f);
    return bad;
}

/* H5Pset_filter from C, as h5py/netCDF do (optional flag, zeros in the reserved slots). */
static int write_api(const char* path) {
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(f);
    if (H5Zfilter_avail(Z4AI_H5_FILTER_ID) <= 0) {
        fprintf(stderr, "write: filter %d not available (HDF5_PLUGIN_PATH?)\n", Z4AI_H5_FILTER_ID);
        return 1;
    }
    enum { N = 50000 };
    uint16_t* b = malloc(N * 2);
    for (int i = 0; i < N; ++i) b[i] = to_bf16(gauss());
    hsize_t dims[1] = {N}, chunk[1] = {16384};
    hid_t space = H5Screate_simple(1, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    CHECK(H5Pset_chunk(dcpl, 1, chunk));
    const unsigned cd[7] = {0, 0, 0, 13 /* bf16 override */, 0, 3 /* max */, 0};
    CHECK(H5Pset_filter(dcpl, Z4AI_H5_FILTER_ID, H5Z_FLAG_OPTIONAL, 7, cd));
    hid_t ds = H5Dcreate2(f, "bf16", H5T_STD_U16LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CHECK(ds);
    CHECK(H5Dwrite(ds, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, b));
    hid_t dcpl2 = H5Dget_create_plist(ds);
    unsigned flags = 0, v[H5Z4AI_MAX_SLOTS] = {0};
    size_t n = H5Z4AI_MAX_SLOTS;
    CHECK(H5Pget_filter_by_id2(dcpl2, Z4AI_H5_FILTER_ID, &flags, &n, v, 0, NULL, NULL));
    int bad = n != 10 || v[0] != 1 || v[2] != 2 || v[3] != 13 || v[4] != 16384 * 2 || v[5] != 3 ||
              v[8] != 1 || v[9] != 16384;
    if (bad) fprintf(stderr, "write: set_local produced unexpected cd_values (n=%zu)\n", n);
    uint16_t* back = malloc(N * 2);
    CHECK(H5Dread(ds, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, back));
    if (memcmp(back, b, N * 2) != 0) {
        fprintf(stderr, "write: read back differs\n");
        bad = 1;
    }
    hsize_t stored = H5Dget_storage_size(ds);
    printf("bf16 via H5Pset_filter: %d -> %llu bytes (%.3fx)\n", N * 2, (unsigned long long)stored,
           (double)(N * 2) / (double)stored);
    H5Pclose(dcpl2), H5Dclose(ds);

    /* A bf16 override on a 4-byte type is refused by set_local: dataset creation fails. */
    const unsigned wrong[4] = {0, 0, 0, 13};
    hid_t dcpl3 = H5Pcreate(H5P_DATASET_CREATE);
    CHECK(H5Pset_chunk(dcpl3, 1, chunk));
    CHECK(H5Pset_filter(dcpl3, Z4AI_H5_FILTER_ID, H5Z_FLAG_MANDATORY, 4, wrong));
    H5E_BEGIN_TRY { ds = H5Dcreate2(f, "wrong", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl3, H5P_DEFAULT); }
    H5E_END_TRY;
    if (ds >= 0) {
        fprintf(stderr, "write: a bf16 override on float32 was accepted\n");
        H5Dclose(ds);
        bad = 1;
    }
    H5Pclose(dcpl3), H5Pclose(dcpl), H5Sclose(space), H5Fclose(f);
    free(b), free(back);
    return bad;
}

/* Writes damaged versions of chunk 0 of a filtered dataset; each read must fail cleanly. */
static int corrupt(const char* path, const char* name) {
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f);
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    CHECK(ds);
    hid_t s = H5Dget_space(ds);
    int rank = H5Sget_simple_extent_ndims(s);
    hsize_t offset[8] = {0}, csize = 0;
    CHECK(H5Dget_chunk_storage_size(ds, offset, &csize));
    unsigned char *orig = malloc(csize), *bad = malloc(csize + 64);
    uint32_t mask = 0;
    CHECK(H5Dread_chunk(ds, H5P_DEFAULT, offset, &mask, orig));
    hid_t t = H5Dget_type(ds);
    size_t total = (size_t)H5Sget_simple_extent_npoints(s) * H5Tget_size(t);
    unsigned char *out = malloc(total), *ref = malloc(total);
    CHECK(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ref));
    int failures = 0;
    const char* cases[] = {"flip a byte in the middle",
                           "flip a byte in the header",
                           "truncate to half",
                           "random junk",
                           "four bytes",
                           "append garbage"};
    for (int c = 0; c < 6; ++c) {
        size_t n = csize;
        memcpy(bad, orig, csize);
        switch (c) {
            case 0: bad[csize / 2] ^= 0x5A; break;
            case 1: bad[6] ^= 0xFF; break;
            case 2: n = csize / 2; break;
            case 3:
                for (size_t i = 0; i < n; ++i) bad[i] = (unsigned char)(rng() >> 56);
                break;
            case 4: n = 4; break;
            case 5:
                for (size_t i = 0; i < 64; ++i) bad[csize + i] = (unsigned char)i;
                n = csize + 64;
                break;
        }
        CHECK(H5Dwrite_chunk(ds, H5P_DEFAULT, 0, offset, n, bad));
        herr_t r;
        H5E_BEGIN_TRY { r = H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, out); }
        H5E_END_TRY;
        /* Trailing garbage after a complete frame may be ignored (then the data must be
         * exactly the original); damage inside the frame may not. */
        int ok = (c == 5) ? (r < 0 || memcmp(out, ref, total) == 0) : r < 0;
        printf("corrupt %-28s -> %s\n", cases[c], r < 0 ? "HDF5 read error (as required)" : "read ok");
        if (!ok) failures = 1;
    }
    CHECK(H5Dwrite_chunk(ds, H5P_DEFAULT, mask, offset, csize, orig)); /* restore */
    CHECK(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, out));
    if (memcmp(out, ref, total) != 0) failures = 1;
    H5Tclose(t), H5Sclose(s), H5Dclose(ds), H5Fclose(f);
    free(orig), free(bad), free(out), free(ref);
    (void)rank;
    return failures;
}

/* netCDF's NCZ_codec_t (version 1), as ncz4ai_codec.c exports it. */
typedef struct {
    int version, sort;
    const char* codecid;
    unsigned hdf5id;
    void (*init)(void), (*fini)(void);
    int (*to_hdf5)(const char*, size_t*, unsigned**);
    int (*to_codec)(size_t, const unsigned*, char**);
    int (*modify)(int, int, size_t*, unsigned**, size_t*, unsigned**);
} ncz_codec;

static int ncz(const char* so) {
    void* lib = dlopen(so, RTLD_NOW | RTLD_GLOBAL); /* as netCDF's NCZarr loader does */
    if (!lib) {
        fprintf(stderr, "ncz: %s\n", dlerror());
        return 1;
    }
    const void* (*codec_info)(void) = NULL;
    const void* (*plugin_info)(void) = NULL;
    *(void**)(&codec_info) = dlsym(lib, "NCZ_get_codec_info");
    *(void**)(&plugin_info) = dlsym(lib, "H5PLget_plugin_info");
    if (!codec_info || !plugin_info) return 1;
    const ncz_codec* c = codec_info();
    const H5Z_class2_t* h = plugin_info();
    int bad = c->version != 1 || c->sort != 1 || strcmp(c->codecid, "z4ai") != 0 || (int)c->hdf5id != h->id ||
              h->id != Z4AI_H5_FILTER_ID;
    size_t n = 0;
    unsigned* p = NULL;
    const char* json =
        "{\"id\": \"z4ai\", \"dtype\": \"bfloat16\", \"effort\": \"max\", \"checksum\": false}";
    if (c->to_hdf5(json, &n, &p) != 0 || n < 9 || p[3] != 13 || p[5] != 3 || p[6] != 1) bad = 1;
    char* back = NULL;
    if (c->to_codec(n, p, &back) != 0 || !strstr(back, "\"dtype\": \"bf16\"") ||
        !strstr(back, "\"effort\": \"max\"") || !strstr(back, "\"checksum\": false"))
        bad = 1;
    printf("ncz: %s -> {%u,%u,%u,%u,%u,%u,%u} -> %s\n", json, p[0], p[1], p[2], p[3], p[4], p[5], p[6],
           back ? back : "(null)");
    size_t n2 = 0;
    unsigned* p2 = NULL;
    if (c->to_hdf5("{\"id\": \"zstd\"}", &n2, &p2) == 0) bad = 1; /* not ours */
    if (c->to_hdf5("{\"id\": \"z4ai\", \"dtype\": \"no-such-type\"}", &n2, &p2) == 0) bad = 1;
    /* The filter itself, with working parameters and no HDF5 call (NCZarr's path). */
    enum { N = 40000 };
    p[2] = 2;
    uint16_t* data = malloc(N * 2);
    for (int i = 0; i < N; ++i) data[i] = to_bf16(gauss());
    size_t size = N * 2;
    void* buf = malloc(size);
    memcpy(buf, data, size);
    size_t enc = h->filter(0, n, p, size, &size, &buf);
    size_t dec = enc ? h->filter(H5Z_FLAG_REVERSE, n, p, enc, &size, &buf) : 0;
    if (!enc || dec != N * 2 || memcmp(buf, data, dec) != 0) bad = 1;
    printf("ncz: filter called directly: %d -> %zu -> %zu bytes%s\n", N * 2, enc, dec, bad ? " FAILED" : "");
    free(buf), free(data), free(p), free(back);
    dlclose(lib);
    return bad;
}

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "ncz") == 0) return ncz(argv[2]);
    if (argc == 3 && strcmp(argv[1], "mkinput") == 0) return mkinput(argv[2]);
    if (argc == 4 && strcmp(argv[1], "compare") == 0) return compare(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "filter") == 0) return filter_copy(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "filtered") == 0) return filtered(argv[2]);
    if (argc == 3 && strcmp(argv[1], "write") == 0) return write_api(argv[2]);
    if (argc == 4 && strcmp(argv[1], "corrupt") == 0) return corrupt(argv[2], argv[3]);
    fprintf(stderr, "usage: h5z4ai_check mkinput|compare|filtered|write|corrupt ...\n");
    return 2;
}
