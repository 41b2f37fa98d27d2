/*
 * z4ai_example.c - a small streaming CLI on the C ABI (z4ai.h):
 *
 *   z4ai_example compress IN OUT [--dtype D]   e.g. --dtype bf16
 *   z4ai_example decompress IN OUT
 *
 * Memory stays bounded (one input and one output buffer, sized by z4ai's own
 * recommendations) whatever the file size. The frame is byte-identical to
 * `z4ai compress --dtype D IN`: same parameters, and the input size is pledged so the
 * header records it, as the CLI does for regular files.
 *
 * Build: cc z4ai_example.c $(pkg-config --cflags --libs z4ai)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <z4ai.h>

static int fail(const char* what, z4ai_status s, const char* detail) {
    fprintf(stderr, "z4ai_example: %s: %s%s%s\n", what, z4ai_status_name(s), detail && *detail ? ": " : "",
            detail ? detail : "");
    return 1;
}

static int compress_file(FILE* in, FILE* out, long long in_size, int32_t dtype) {
    z4ai_cctx* c = z4ai_cctx_create();
    if (!c) return fail("create", Z4AI_E_MEMORY, NULL);
    z4ai_status s = z4ai_cctx_set_param(c, Z4AI_C_DTYPE, dtype);
    if (s == Z4AI_OK) s = z4ai_cctx_set_param(c, Z4AI_C_THREADS, 0); /* all cores: same frame */
    if (s == Z4AI_OK && in_size >= 0) s = z4ai_cctx_set_pledged_size(c, (uint64_t)in_size);
    if (s != Z4AI_OK) {
        int r = fail("parameters", s, z4ai_cctx_last_error(c));
        z4ai_cctx_free(c);
        return r;
    }
    size_t in_cap = z4ai_cstream_in_size(c), out_cap = z4ai_compress_bound(in_cap);
    char *ibuf = malloc(in_cap), *obuf = malloc(out_cap);
    int rc = 0;
    for (int eof = 0; !eof && ibuf && obuf;) {
        size_t got = fread(ibuf, 1, in_cap, in);
        if (got < in_cap) {
            if (ferror(in)) {
                rc = fail("read", Z4AI_E_IO, NULL);
                break;
            }
            eof = 1;
        }
        size_t ipos = 0, remaining = 0;
        do {
            size_t opos = 0;
            s = z4ai_compress_stream_args(c, obuf, out_cap, &opos, ibuf, got, &ipos,
                                          eof ? Z4AI_END : Z4AI_CONTINUE, &remaining);
            if (s != Z4AI_OK) {
                rc = fail("compress", s, z4ai_cctx_last_error(c));
                eof = 1;
                break;
            }
            if (fwrite(obuf, 1, opos, out) != opos) {
                rc = fail("write", Z4AI_E_IO, NULL);
                eof = 1;
                break;
            }
        } while (ipos < got || (eof && remaining));
    }
    if (!ibuf || !obuf) rc = fail("buffers", Z4AI_E_MEMORY, NULL);
    free(ibuf);
    free(obuf);
    z4ai_cctx_free(c);
    return rc;
}

static int decompress_file(FILE* in, FILE* out) {
    z4ai_dctx* d = z4ai_dctx_create();
    if (!d) return fail("create", Z4AI_E_MEMORY, NULL);
    size_t in_cap = 1 << 20, out_cap = z4ai_dstream_out_size(d);
    char *ibuf = malloc(in_cap), *obuf = malloc(out_cap);
    int rc = 0, in_frame = 0, seen = 0;
    size_t got;
    while (rc == 0 && ibuf && obuf && (got = fread(ibuf, 1, in_cap, in)) > 0) {
        seen = 1;
        size_t ipos = 0, remaining = 1;
        while (ipos < got || remaining) {
            size_t opos = 0, before = ipos;
            z4ai_status s =
                z4ai_decompress_stream_args(d, obuf, out_cap, &opos, ibuf, got, &ipos, &remaining);
            if (s != Z4AI_OK) {
                rc = fail("decompress", s, z4ai_dctx_last_error(d));
                break;
            }
            if (fwrite(obuf, 1, opos, out) != opos) {
                rc = fail("write", Z4AI_E_IO, NULL);
                break;
            }
            in_frame = remaining != 0;
            if (!in_frame && ipos == got) break;    /* frame complete, input used up */
            if (!in_frame) remaining = 1;           /* concatenated frames: next one */
            if (opos == 0 && ipos == before) break; /* needs more input */
        }
        if (rc == 0 && ferror(in)) rc = fail("read", Z4AI_E_IO, NULL);
    }
    if (!ibuf || !obuf) rc = fail("buffers", Z4AI_E_MEMORY, NULL);
    if (rc == 0 && (in_frame || !seen))
        rc = fail("decompress", Z4AI_E_TRUNCATED, seen ? "input ended inside a frame" : "empty input");
    free(ibuf);
    free(obuf);
    z4ai_dctx_free(d);
    return rc;
}

int main(int argc, char** argv) {
    int32_t dtype = Z4AI_DTYPE_RAW;
    if (argc == 6 && strcmp(argv[4], "--dtype") == 0) {
        z4ai_status s = z4ai_dtype_from_name(argv[5], &dtype);
        if (s != Z4AI_OK) return fail(argv[5], s, "unknown dtype");
    } else if (argc != 4) {
        fprintf(stderr, "usage: %s compress IN OUT [--dtype D] | decompress IN OUT\n", argv[0]);
        return 2;
    }
    int compress = strcmp(argv[1], "compress") == 0;
    if (!compress && (strcmp(argv[1], "decompress") != 0 || argc != 4)) {
        fprintf(stderr, "usage: %s compress IN OUT [--dtype D] | decompress IN OUT\n", argv[0]);
        return 2;
    }
    FILE* in = fopen(argv[2], "rb");
    if (!in) return fail(argv[2], Z4AI_E_IO, "cannot open");
    FILE* out = fopen(argv[3], "wb");
    if (!out) {
        fclose(in);
        return fail(argv[3], Z4AI_E_IO, "cannot create");
    }
    struct stat st;
    long long size = fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode) ? (long long)st.st_size : -1;
    int rc = compress ? compress_file(in, out, size, dtype) : decompress_file(in, out);
    fclose(in);
    if (fclose(out) != 0 && rc == 0) rc = fail("close", Z4AI_E_IO, argv[3]);
    return rc;
}
