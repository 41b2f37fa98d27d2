#include <stdio.h>
#include <string.h>
#include <z4ai.h>

int main(void) {
    const char msg[] = "installed z4ai round trip";
    char frame[512], back[64];
    size_t n = 0, m = 0;
    z4ai_cctx* c = z4ai_cctx_create();
    z4ai_dctx* d = z4ai_dctx_create();
    if (z4ai_compress(c, frame, sizeof frame, msg, sizeof msg, &n) != Z4AI_OK) return 1;
    if (z4ai_decompress(d, back, sizeof back, frame, n, &m) != Z4AI_OK) return 1;
    z4ai_cctx_free(c);
    z4ai_dctx_free(d);
    if (m != sizeof msg || memcmp(back, msg, m) != 0) return 1;
    printf("consumer ok (z4ai %s)\n", z4ai_version_string());
    return 0;
}
