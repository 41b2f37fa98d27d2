/* c99_api_test.c - compiled as strict C99 against z4ai.h only: the header is
 * valid C and the library round-trips through it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "z4ai.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                                \
        }                                                                            \
    } while (0)

int main(void) {
    size_t n = 100000, i, written = 0, bound, back_size = 0;
    unsigned char* src = malloc(n);
    unsigned char *dst, *back;
    z4ai_cctx* c = z4ai_cctx_create();
    z4ai_dctx* d = z4ai_dctx_create();
    uint64_t content = 0;
    CHECK(src && c && d);
    for (i = 0; i < n; ++i) src[i] = (unsigned char)((i * 2654435761u) >> 27);
    CHECK(z4ai_cctx_set_param(c, Z4AI_C_DTYPE, Z4AI_DTYPE_BF16) == Z4AI_OK);
    CHECK(z4ai_cctx_set_param(c, Z4AI_C_THREADS, 2) == Z4AI_OK);
    bound = z4ai_compress_bound(n);
    dst = malloc(bound);
    back = malloc(n);
    CHECK(dst && back);
    CHECK(z4ai_compress(c, dst, bound, src, n, &written) == Z4AI_OK);
    CHECK(z4ai_frame_content_size(dst, written, &content) == Z4AI_OK && content == n);
    CHECK(z4ai_decompress(d, back, n, dst, written, &back_size) == Z4AI_OK);
    CHECK(back_size == n && memcmp(src, back, n) == 0);
    CHECK(z4ai_decompress(d, back, n - 1, dst, written, &back_size) == Z4AI_E_DST_TOO_SMALL);
    CHECK(strcmp(z4ai_status_name(Z4AI_E_DST_TOO_SMALL), "Z4AI_E_DST_TOO_SMALL") == 0);
    CHECK(z4ai_version_number() == Z4AI_VERSION_NUMBER);
    printf("c99 api test ok: %lu -> %lu bytes (z4ai %s)\n", (unsigned long)n, (unsigned long)written,
           z4ai_version_string());
    z4ai_cctx_free(c);
    z4ai_dctx_free(d);
    z4ai_cctx_free(NULL);
    free(src);
    free(dst);
    free(back);
    return 0;
}
