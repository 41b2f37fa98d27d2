/* remote_source_test.c - the remote-input functions of z4ai.h: a versioned read-at
 * callback (version pinned at open, a replaced object detected, callback messages kept),
 * tensor extents and decoding from bytes the caller fetched (exact, coalesced, too short),
 * checked byte for byte against a reader opened on memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "z4ai.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)
#define OK(call)                                                                                   \
    do {                                                                                           \
        z4ai_status s_ = (call);                                                                   \
        if (s_ != Z4AI_OK) {                                                                       \
            fprintf(stderr, "%s:%d: %s -> %s\n", __FILE__, __LINE__, #call, z4ai_status_name(s_)); \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

enum { NT = 12, ROWS = 64, COLS = 48 };

/* A .safetensors file: NT fp32 tensors (smooth, compressible), tensor 5 a copy of 2 (tied). */
static unsigned char* make_safetensors(size_t* size) {
    char header[4096];
    size_t tb = (size_t)ROWS * COLS * 4, off = 0;
    int n = snprintf(header, sizeof header, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (int t = 0; t < NT; ++t) {
        n += snprintf(
            header + n, sizeof header - (size_t)n,
            ",\"layer.%02d.weight\":{\"dtype\":\"F32\",\"shape\":[%d,%d],\"data_offsets\":[%zu,%zu]}", t,
            ROWS, COLS, off, off + tb);
        off += tb;
    }
    n += snprintf(header + n, sizeof header - (size_t)n, "}");
    while (n % 8) header[n++] = ' ';
    *size = 8 + (size_t)n + off;
    unsigned char* f = malloc(*size);
    uint64_t hn = (uint64_t)n;
    for (int i = 0; i < 8; ++i) f[i] = (unsigned char)(hn >> (8 * i));
    memcpy(f + 8, header, (size_t)n);
    unsigned int seed = 7;
    float* data = (float*)(f + 8 + n);
    for (int t = 0; t < NT; ++t)
        for (size_t i = 0; i < (size_t)ROWS * COLS; ++i) {
            seed = seed * 1103515245u + 12345u;
            data[(size_t)t * ROWS * COLS + i] = (float)((int)(seed >> 16) % 2001 - 1000) * 1e-5f;
        }
    memcpy(data + (size_t)5 * ROWS * COLS, data + (size_t)2 * ROWS * COLS, tb);
    return f;
}

typedef struct {
    const unsigned char* data;
    size_t size;
    const char* version; /* reported with every read */
    int fail;            /* non-zero: the next read fails with a message */
    int calls;
} mem_object;

static int32_t read_object(void* user, uint64_t offset, void* dst, size_t size, z4ai_read_result* result) {
    mem_object* o = user;
    o->calls++;
    if (o->fail == 2) { /* fills the message without a NUL */
        memset(result->message, 'x', sizeof result->message);
        return 7;
    }
    if (o->fail) {
        snprintf(result->message, sizeof result->message, "HTTP 503 from http://127.0.0.1/model.zstn");
        return 5;
    }
    if (offset > o->size || size > o->size - offset) return 1;
    memcpy(dst, o->data + offset, size);
    snprintf(result->version, sizeof result->version, "%s", o->version);
    return 0;
}

int main(void) {
    size_t st_size;
    unsigned char* st = make_safetensors(&st_size);
    uint64_t bound;
    OK(z4ai_safetensors_compress_bound(st, st_size, &bound));
    unsigned char* zstn = malloc((size_t)bound);
    size_t zsize;
    z4ai_cctx* c = z4ai_cctx_create();
    OK(z4ai_safetensors_compress(c, zstn, (size_t)bound, st, st_size, &zsize));
    z4ai_cctx_free(c);

    z4ai_reader* ref = z4ai_reader_create();
    OK(z4ai_reader_open_memory(ref, zstn, zsize));
    mem_object obj = {zstn, zsize, "\"etag-1\"", 0, 0};
    z4ai_reader* r = z4ai_reader_create();
    OK(z4ai_reader_open_source(r, read_object, &obj, zsize));
    CHECK(obj.calls == 3); /* prefix, trailer, index */
    size_t count;
    OK(z4ai_reader_tensor_count(r, &count));
    CHECK(count == NT);

    size_t tb = (size_t)ROWS * COLS * 4, w;
    unsigned char* want = malloc(tb);
    unsigned char* got = malloc(tb);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < count; ++i) {
        OK(z4ai_reader_read_tensor(ref, i, want, tb, &w));
        /* through the versioned callback: one read of the frame */
        int before = obj.calls;
        memset(got, 0, tb);
        OK(z4ai_reader_read_tensor(r, i, got, tb, &w));
        CHECK(w == tb && memcmp(got, want, tb) == 0);
        CHECK(obj.calls == before + 1);
        /* from the exact extent, without touching the source */
        uint64_t off, n, calls0, bytes0, calls1, bytes1;
        OK(z4ai_reader_tensor_extent(r, i, &off, &n));
        z4ai_tensor_info info;
        OK(z4ai_reader_tensor_info(r, i, &info));
        if (info.method == Z4AI_TENSOR_SAME) {
            uint64_t roff, rn;
            OK(z4ai_reader_tensor_extent(r, info.ref, &roff, &rn));
            CHECK(roff == off && rn == n);
        } else {
            CHECK(n == info.stored_size);
        }
        CHECK(n > 0 && off + n <= zsize);
        if (off < lo) lo = off;
        if (off + n > hi) hi = off + n;
        OK(z4ai_reader_io_stats(r, &calls0, &bytes0));
        memset(got, 0, tb);
        OK(z4ai_reader_read_tensor_from(r, i, zstn + off, (size_t)n, off, got, tb, &w));
        CHECK(w == tb && memcmp(got, want, tb) == 0);
        OK(z4ai_reader_io_stats(r, &calls1, &bytes1));
        CHECK(calls1 == calls0 && bytes1 == bytes0 && obj.calls == before + 1);
        /* bytes that stop one short of the extent, or start one late: refused */
        CHECK(z4ai_reader_read_tensor_from(r, i, zstn + off, (size_t)n - 1, off, got, tb, &w) ==
              Z4AI_E_INVALID_ARGUMENT);
        CHECK(strstr(z4ai_reader_last_error(r), "needs input bytes") != NULL);
        CHECK(z4ai_reader_read_tensor_from(r, i, zstn + off + 1, (size_t)n - 1, off + 1, got, tb, &w) ==
              Z4AI_E_INVALID_ARGUMENT);
    }
    /* one coalesced range covering every frame decodes each tensor */
    for (size_t i = 0; i < count; ++i) {
        OK(z4ai_reader_read_tensor(ref, i, want, tb, &w));
        OK(z4ai_reader_read_tensor_from(r, i, zstn + lo, (size_t)(hi - lo), lo, got, tb, &w));
        CHECK(memcmp(got, want, tb) == 0);
    }
    /* a damaged fetched frame is reported, not decoded into wrong bytes */
    {
        uint64_t off, n;
        OK(z4ai_reader_tensor_extent(r, 3, &off, &n));
        unsigned char* bad = malloc((size_t)n);
        memcpy(bad, zstn + off, (size_t)n);
        bad[n / 2] ^= 0x5a;
        z4ai_status s = z4ai_reader_read_tensor_from(r, 3, bad, (size_t)n, off, got, tb, &w);
        CHECK(s == Z4AI_E_CORRUPT || s == Z4AI_E_CHECKSUM);
        free(bad);
    }
    /* a failing callback: Z4AI_E_IO with its message and the range */
    obj.fail = 1;
    CHECK(z4ai_reader_read_tensor(r, 0, got, tb, &w) == Z4AI_E_IO);
    CHECK(strstr(z4ai_reader_last_error(r), "HTTP 503 from http://127.0.0.1/model.zstn") != NULL);
    CHECK(strstr(z4ai_reader_last_error(r), " bytes at ") != NULL);
    obj.fail = 0;
    OK(z4ai_reader_read_tensor(r, 0, got, tb, &w));
    /* the object replaced after open: the new version is refused */
    obj.version = "\"etag-2\"";
    CHECK(z4ai_reader_read_tensor(r, 1, got, tb, &w) == Z4AI_E_IO);
    CHECK(strstr(z4ai_reader_last_error(r), "changed") != NULL);
    CHECK(strstr(z4ai_reader_last_error(r), "etag-1") != NULL && strstr(z4ai_reader_last_error(r), "etag-2"));
    /* reopening pins the new version */
    OK(z4ai_reader_open_source(r, read_object, &obj, zsize));
    OK(z4ai_reader_read_tensor(r, 1, got, tb, &w));
    /* an unterminated message is bounded */
    obj.fail = 2;
    CHECK(z4ai_reader_read_tensor(r, 0, got, tb, &w) == Z4AI_E_IO);
    CHECK(strlen(z4ai_reader_last_error(r)) < 400);
    obj.fail = 0;
    /* a NULL callback is refused */
    CHECK(z4ai_reader_open_source(r, NULL, &obj, zsize) == Z4AI_E_INVALID_ARGUMENT);
    /* wrong declared size: the trailer is not where it should be */
    CHECK(z4ai_reader_open_source(r, read_object, &obj, zsize - 1) != Z4AI_OK);
    {
        uint64_t off, n;
        CHECK(z4ai_reader_tensor_extent(NULL, 0, &off, &n) == Z4AI_E_INVALID_ARGUMENT);
    }
    /* opened from fetched pieces: a tail too short for the index asks for more */
    {
        uint64_t hn = 1, tn = 1;
        size_t tail = 24; /* the trailer only */
        CHECK(z4ai_reader_open_parts(r, zsize, zstn, 64, zstn + zsize - tail, tail, &hn, &tn) == Z4AI_E_TRUNCATED);
        CHECK(hn == 0 && tn > tail && tn < zsize);
        OK(z4ai_reader_open_parts(r, zsize, zstn, 64, zstn + zsize - tn, (size_t)tn, &hn, &tn));
        CHECK(hn == 0 && tn == 0);
        for (size_t i = 0; i < count; ++i) {
            uint64_t off, n;
            OK(z4ai_reader_read_tensor(ref, i, want, tb, &w));
            OK(z4ai_reader_tensor_extent(r, i, &off, &n));
            OK(z4ai_reader_read_tensor_from(r, i, zstn + off, (size_t)n, off, got, tb, &w));
            CHECK(memcmp(got, want, tb) == 0);
        }
        /* a plain read needs bytes that were not fetched: refused with a clear message */
        CHECK(z4ai_reader_read_tensor(r, 0, got, tb, &w) == Z4AI_E_INVALID_ARGUMENT);
        CHECK(strstr(z4ai_reader_last_error(r), "not fetched") != NULL);
        /* a plain .safetensors with a head shorter than its header */
        CHECK(z4ai_reader_open_parts(r, st_size, st, 16, st + st_size - 16, 16, &hn, &tn) == Z4AI_E_TRUNCATED);
        CHECK(hn > 16 && tn == 0);
        int rounds = 0;
        size_t head = (size_t)hn;
        while (z4ai_reader_open_parts(r, st_size, st, head, st + st_size - 16, 16, &hn, &tn) == Z4AI_E_TRUNCATED) {
            CHECK(hn > head && ++rounds < 3);
            head = (size_t)hn;
        }
        CHECK(hn == 0 && tn == 0);
        uint64_t off, n;
        OK(z4ai_reader_tensor_extent(r, 4, &off, &n));
        OK(z4ai_reader_read_tensor(ref, 4, want, tb, &w));
        OK(z4ai_reader_read_tensor_from(r, 4, st + off, (size_t)n, off, got, tb, &w));
        CHECK(memcmp(got, want, tb) == 0);
        CHECK(z4ai_reader_open_parts(r, 10, zstn, 64, zstn, 64, &hn, &tn) == Z4AI_E_INVALID_ARGUMENT);
    }
    z4ai_reader_free(r);
    z4ai_reader_free(ref);
    free(want);
    free(got);
    free(zstn);
    free(st);
    puts("remote_source_test: ok");
    return 0;
}
