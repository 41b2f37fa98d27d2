/* http_range_test.c - reads tensors out of a .zstn served over HTTP, through the
 * C ABI's read-at callback, using plain HTTP/1.1 Range requests (one connection
 * per read). Checks the bytes against the original .safetensors (opened with a
 * reader too), and that one tensor costs only its frame plus the index.
 * usage: http_range_test HOST PORT /path/model.zstn original.safetensors */
#define _POSIX_C_SOURCE 200112L
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "z4ai.h"

typedef struct {
    const char *host, *port, *path;
    uint64_t requests, bytes;
} http_source;

/* Sends one request; returns the status code and fills *body (malloc'd) and *body_size. */
static int http_request(const http_source* s, const char* method, const char* range, char** body,
                        size_t* body_size, uint64_t* content_length) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(s->host, s->port, &hints, &res) != 0) return -1;
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        freeaddrinfo(res);
        if (fd >= 0) close(fd);
        return -1;
    }
    freeaddrinfo(res);
    char req[512];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: %s\r\n%s%s%sConnection: close\r\n\r\n", method,
                     s->path, s->host, range ? "Range: bytes=" : "", range ? range : "", range ? "\r\n" : "");
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    char* buf = malloc(cap);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            free(buf);
            close(fd);
            return -1;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    int status = 0;
    if (len < 12 || sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
        free(buf);
        return -1;
    }
    char* end = NULL;
    for (size_t i = 0; i + 3 < len; ++i)
        if (!memcmp(buf + i, "\r\n\r\n", 4)) {
            end = buf + i + 4;
            break;
        }
    if (!end) {
        free(buf);
        return -1;
    }
    if (content_length) {
        *content_length = 0;
        const char* h = strstr(buf, "Content-Length:");
        if (h && h < end) *content_length = strtoull(h + 15, NULL, 10);
    }
    *body_size = len - (size_t)(end - buf);
    *body = malloc(*body_size ? *body_size : 1);
    memcpy(*body, end, *body_size);
    free(buf);
    return status;
}

static int32_t http_read_at(void* user, uint64_t offset, void* dst, size_t size) {
    http_source* s = user;
    char range[64], *body = NULL;
    size_t got = 0;
    snprintf(range, sizeof range, "%llu-%llu", (unsigned long long)offset,
             (unsigned long long)(offset + size - 1));
    int status = http_request(s, "GET", range, &body, &got, NULL);
    int ok = status == 206 && got == size;
    if (ok) memcpy(dst, body, size);
    free(body);
    s->requests++;
    s->bytes += size;
    return ok ? 0 : -1;
}

#define CHECK(cond, ...)                  \
    do {                                  \
        if (!(cond)) {                    \
            fprintf(stderr, "FAIL: ");    \
            fprintf(stderr, __VA_ARGS__); \
            fprintf(stderr, "\n");        \
            return 1;                     \
        }                                 \
    } while (0)

int main(int argc, char** argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s HOST PORT /path.zstn original.safetensors\n", argv[0]);
        return 2;
    }
    http_source src = {argv[1], argv[2], argv[3], 0, 0};
    char* body = NULL;
    size_t got = 0;
    uint64_t size = 0;
    int status = http_request(&src, "HEAD", NULL, &body, &got, &size);
    free(body);
    CHECK(status == 200 && size > 0, "HEAD %s gave status %d", argv[3], status);

    z4ai_reader* remote = z4ai_reader_create();
    z4ai_reader* local = z4ai_reader_create();
    z4ai_status s = z4ai_reader_open_callback(remote, http_read_at, &src, size);
    CHECK(s == Z4AI_OK, "open over HTTP: %s %s", z4ai_status_name(s), z4ai_reader_last_error(remote));
    uint64_t open_bytes = src.bytes, open_requests = src.requests;
    s = z4ai_reader_open_file(local, argv[4]);
    CHECK(s == Z4AI_OK, "open original: %s", z4ai_status_name(s));

    size_t count = 0, lcount = 0;
    z4ai_reader_tensor_count(remote, &count);
    z4ai_reader_tensor_count(local, &lcount);
    CHECK(count == lcount && count >= 100, "tensor counts %zu vs %zu", count, lcount);

    /* One tensor from the middle: exactly its frame is fetched. */
    size_t i = count / 2;
    z4ai_tensor_info info;
    CHECK(z4ai_reader_tensor_info(remote, i, &info) == Z4AI_OK, "info");
    size_t j = 0;
    CHECK(z4ai_reader_find(local, info.name, &j) == Z4AI_OK, "find %s", info.name);
    void* a = malloc(info.nbytes);
    void* b = malloc(info.nbytes);
    size_t wa = 0, wb = 0;
    s = z4ai_reader_read_tensor(remote, i, a, info.nbytes, &wa);
    CHECK(s == Z4AI_OK, "remote read: %s %s", z4ai_status_name(s), z4ai_reader_last_error(remote));
    CHECK(z4ai_reader_read_tensor(local, j, b, info.nbytes, &wb) == Z4AI_OK, "local read");
    CHECK(wa == wb && memcmp(a, b, wa) == 0, "tensor %s differs", info.name);
    CHECK(src.bytes - open_bytes == info.stored_size, "fetched %llu bytes for a %llu-byte frame",
          (unsigned long long)(src.bytes - open_bytes), (unsigned long long)info.stored_size);
    CHECK(src.requests - open_requests == 1, "%llu requests for one tensor",
          (unsigned long long)(src.requests - open_requests));

    /* An element range of another tensor. */
    z4ai_tensor_info info2;
    CHECK(z4ai_reader_tensor_info(remote, 3, &info2) == Z4AI_OK, "info");
    size_t width = z4ai_dtype_width(info2.dtype), elements = info2.nbytes / width;
    uint64_t first = elements / 3, n = elements / 4;
    CHECK(z4ai_reader_read_elements(remote, 3, first, n, a, info.nbytes, &wa) == Z4AI_OK, "remote range: %s",
          z4ai_reader_last_error(remote));
    CHECK(z4ai_reader_find(local, info2.name, &j) == Z4AI_OK, "find");
    CHECK(z4ai_reader_read_elements(local, j, first, n, b, info.nbytes, &wb) == Z4AI_OK, "local range");
    CHECK(wa == wb && memcmp(a, b, wa) == 0, "range differs");
    printf(
        "http: opened with %llu requests / %llu bytes (file %llu bytes); one tensor = 1 request, %llu "
        "bytes\n",
        (unsigned long long)open_requests, (unsigned long long)open_bytes, (unsigned long long)size,
        (unsigned long long)info.stored_size);
    free(a);
    free(b);
    z4ai_reader_free(remote);
    z4ai_reader_free(local);
    return 0;
}
